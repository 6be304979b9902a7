"""--first-pass: once one sample of a problem passes, its samples not yet started are skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leancli.reports.stats import collect
from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl


def _sample(problem: str, n: int, passes: bool, seconds: float = 0.2) -> dict[str, Any]:
    proof = "trivial" if passes else "sorry"
    code = f"theorem {problem}_{n} : True := {proof}\n-- fake: sleep {seconds}"
    return {"id": f"{problem}/{n}", "name": problem, "code": code}


def test_samples_after_the_first_pass_are_skipped_naming_it(tmp_path: Path) -> None:
    rows = [_sample("p", 1, False), _sample("p", 2, True)]
    rows += [_sample("p", n, True) for n in range(3, 11)]
    rows += [_sample("q", 1, False), _sample("q", 2, False)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "1", "--first-pass", "name"
    )
    results = {row["id"]: row for row in read_jsonl(done.stdout)}
    assert sorted(row["line"] for row in results.values()) == list(range(1, 13))  # one each
    assert results["p/1"]["status"] == "sorry" and results["p/2"]["status"] == "pass"
    skipped = [key for key, row in results.items() if row["status"] == "skipped"]
    # The worker holds a few snippets ahead (they run to the end); the rest never start.
    assert {f"p/{n}" for n in range(6, 11)} <= set(skipped)
    assert all(results[key]["skipped_for"] == 2 for key in skipped)
    assert not any(key.startswith("q") for key in skipped)
    assert done.returncode == 1  # p/1 and q did not pass
    assert {row["problem"] for row in results.values()} == {"p", "q"}  # stats --by problem


def test_a_skipped_sample_counts_as_its_problems_pass_in_the_exit_code(tmp_path: Path) -> None:
    rows = [_sample(problem, n, True) for problem in ("p", "q") for n in range(1, 9)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "1", "--first-pass", "name"
    )
    statuses = [row["status"] for row in read_jsonl(done.stdout)]
    assert "skipped" in statuses and set(statuses) == {"pass", "skipped"}
    assert done.returncode == 0, done.stderr


def test_a_line_without_the_field_is_invalid(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "theorem t : True := trivial"}])
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "--first-pass", "name")
    (result,) = read_jsonl(done.stdout)
    assert result["status"] == "invalid" and "first-pass field 'name'" in result["error"]


def test_stats_reports_pass_at_k_only_where_it_is_unbiased() -> None:
    def row(name: str, status: str) -> str:
        return f'{{"name": "{name}", "status": "{status}", "time": 0.1}}'

    full = [row("a", "pass"), row("a", "fail"), row("b", "fail"), row("b", "fail")]
    assert set(collect(full, by="name").summary()["pass_at_k"]) == {"1", "2"}
    stopped = [row("a", "pass"), row("a", "skipped"), row("b", "fail"), row("b", "fail")]
    summary = collect(stopped, by="name").summary()
    # a's passes are unknown past its first: pass@1 would be biased; pass@2 is exact.
    assert summary["pass_at_k"] == {"2": 0.5}
    assert "would be biased" in summary["pass_at_k_note"]
    assert summary["solved"] == 1


def test_resume_checks_skipped_samples_again_when_their_pass_is_gone(tmp_path: Path) -> None:
    rows = [_sample("p", 1, True)] + [_sample("p", n, True, seconds=0.3) for n in range(2, 8)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    args = ["--repl", FAKE_REPL_COMMAND, "-w", "1", "--first-pass", "name", "-o", str(output)]
    run_leancli("check", str(source), *args)
    first = {row["id"]: row["status"] for row in read_jsonl(output.read_bytes())}
    assert first["p/7"] == "skipped"
    rows[0] = _sample("p", 1, False)  # the pass they were skipped for is gone
    write_jsonl(source, rows)
    run_leancli("check", str(source), *args, "--resume")
    again = read_jsonl(output.read_bytes())
    assert sorted(row["line"] for row in again) == list(range(1, 8))  # one result each
    statuses = {row["id"]: row for row in again}
    assert statuses["p/1"]["status"] == "sorry"
    # Whatever is skipped now is skipped for a line that passes now.
    passing = {row["line"] for row in again if row["status"] == "pass"}
    assert passing and all(
        row["skipped_for"] in passing for row in again if row["status"] == "skipped"
    )


def test_passes_k_stops_a_problem_after_k_passes(tmp_path: Path) -> None:
    rows = [_sample("p", n, passes=n != 2) for n in range(1, 13)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "1",
        "--first-pass", "name", "--passes", "3",
    )  # fmt: skip
    results = {row["id"]: row for row in read_jsonl(done.stdout)}
    # p/1, p/3 and p/4 are its first three passes: the third ends it, not the first.
    assert [results[f"p/{n}"]["status"] for n in range(1, 5)] == ["pass", "sorry", "pass", "pass"]
    skipped = [key for key, row in results.items() if row["status"] == "skipped"]
    assert {f"p/{n}" for n in range(8, 13)} <= set(skipped)
    assert all(results[key]["skipped_for"] == 4 for key in skipped)


def test_passes_needs_first_pass(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [_sample("p", 1, True)])
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "--passes", "2")
    assert done.returncode == 2 and b"--passes needs --first-pass" in done.stderr
