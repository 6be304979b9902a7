"""Verdicts where features meet (issue 22): first pass with dedup, what the cache keeps,
`--resume` after the input or the options changed, snippets with nothing to check.
The differential oracle (tests/oracle/) looks for more such edges on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from leancli import Checker
from leancli.reports.stats import collect
from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl

PASSING = "theorem ok : True := trivial"
FAILING = "theorem bad : True := by\n  -- fake: error\n  trivial"


def _check(source: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, list[Any]]:
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, *args, env=env)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, sorted(read_jsonl(done.stdout), key=lambda r: r["line"])


def test_first_pass_never_skips_a_copy_in_an_unsolved_problem(tmp_path: Path) -> None:
    # p's second sample waits while its first runs; q's only sample is a copy of it.
    rows = [
        {"id": "p1", "problem": "p", "code": PASSING + "\n-- fake: sleep 0.5"},
        {"id": "p2", "problem": "p", "code": FAILING},
        {"id": "q1", "problem": "q", "code": FAILING},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    code, results = _check(source, "-w", "1", "--first-pass", "problem")
    assert [r["status"] for r in results] == ["pass", "skipped", "fail"]
    assert results[1]["skipped_for"] == 1 and "skipped_for" not in results[2]
    assert code == 1  # q is unsolved
    assert set(collect([orjson.dumps(r) for r in results], by="problem").groups) == {"p", "q"}


def test_first_pass_across_checker_calls_never_skips_another_calls_sample() -> None:
    import asyncio

    solved = [
        {"problem": "p", "code": PASSING + "\n-- fake: sleep 0.5"},
        {"problem": "p", "code": FAILING},
    ]
    with Checker(repl=FAKE_REPL_COMMAND, workers=1, first_pass="problem") as checker:

        async def both() -> list[list[Any]]:
            return list(
                await asyncio.gather(
                    checker.acheck(solved), checker.acheck([{"problem": "p", "code": FAILING}])
                )
            )

        first, second = asyncio.run(both())
    assert [r.status.value for r in first] == ["pass", "skipped"]
    assert [r.status.value for r in second] == ["fail"]


def test_a_header_given_up_on_is_not_cached(tmp_path: Path) -> None:
    rows = [{"code": f"import Mathlib\ntheorem t{n} : True := trivial"} for n in range(3)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    cache = str(tmp_path / "cache")
    slow = {"FAKE_REPL_IMPORT_SECONDS": "3"}
    _, first = _check(source, "-w", "1", "--import-timeout", "0.5", "--cache", cache, env=slow)
    assert [r["status"] for r in first] == ["timeout"] * 3
    assert "not tried again" in first[2]["error"]
    # A machine that imports fast: nothing of the slow one's is reused.
    code, second = _check(source, "-w", "1", "--cache", cache)
    assert [r["status"] for r in second] == ["pass"] * 3
    assert not any(r.get("cached") for r in second) and code == 0


def test_a_snippet_with_nothing_to_check_is_invalid(tmp_path: Path) -> None:
    codes = ["", "  \n", "-- a comment", "/- a block -/", "import Mathlib", "import Lean\n-- x"]
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": code} for code in codes])
    code, results = _check(source, "-w", "1")
    assert [r["status"] for r in results] == ["invalid"] * len(codes)
    assert all("nothing to check" in r["error"] for r in results)
    assert code == 1
    with Checker(repl=FAKE_REPL_COMMAND, workers=1) as checker:
        assert [r.status.value for r in checker.check(["import Lean", PASSING])] == [
            "invalid",
            "pass",
        ]


def test_resume_drops_the_results_of_blanked_and_deleted_lines(tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"id": "a", "code": PASSING}, {"id": "b", "code": FAILING}])
    assert _check(source, "-o", str(output))[0] == 1
    source.write_text(source.read_text().splitlines()[0] + "\n\n")  # b blanked
    code, _ = _check(source, "-o", str(output), "--resume")
    assert [r["id"] for r in read_jsonl(output.read_bytes())] == ["a"] and code == 0
    write_jsonl(source, [{"id": "a", "code": PASSING}, {"id": "b", "code": FAILING}])
    output.unlink()
    assert _check(source, "-o", str(output))[0] == 1
    source.write_text(source.read_text().splitlines()[0] + "\n")  # b deleted
    code, _ = _check(source, "-o", str(output), "--resume")
    assert [r["id"] for r in read_jsonl(output.read_bytes())] == ["a"] and code == 0


def test_resume_from_stdin_refuses_a_line_that_is_gone(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    rows = write_jsonl(tmp_path / "in.jsonl", [{"code": PASSING}, {"code": FAILING}])
    first = run_leancli(
        "check", "-", "--repl", FAKE_REPL_COMMAND, "-o", str(output), input=rows.read_bytes()
    )
    assert first.returncode == 1
    again = run_leancli(
        "check", "-", "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--resume",
        input=rows.read_bytes().splitlines(keepends=True)[0],
    )  # fmt: skip
    assert again.returncode == 2
    assert b"input line 2, which the input no longer has" in again.stderr


def test_resume_checks_again_what_a_shorter_timeout_or_another_repl_decided(
    tmp_path: Path,
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"code": PASSING + "\n-- fake: sleep 1.5"}])
    _, _ = _check(source, "-o", str(output), "--timeout", "0.5")
    assert [r["status"] for r in read_jsonl(output.read_bytes())] == ["timeout"]
    code, _ = _check(source, "-o", str(output), "--timeout", "10", "--resume")
    assert [r["status"] for r in read_jsonl(output.read_bytes())] == ["pass"] and code == 0
    # The same options again: the result is kept, nothing runs.
    _, _ = _check(source, "-o", str(output), "--timeout", "10", "--resume")
    assert len(read_jsonl(output.read_bytes())) == 1
