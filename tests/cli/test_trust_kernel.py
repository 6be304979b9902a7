"""`leancli check --trust kernel` end to end: the simulated REPL's pickles replayed by the
simulated checker, passes counted by trust, and no checker refused up front."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.common import REPO, check_rows, read_jsonl, run_leancli, write_jsonl

BASICS = REPO / "samples" / "basics.jsonl"
HONEST = "theorem t : True := trivial"
FORGED = f"{HONEST}\n-- kernel: reject (kernel) declaration has metavariables 't'"


def test_the_samples_pass_through_the_kernel_tier_of_the_simulated_repl() -> None:
    audit = run_leancli("check", str(BASICS), "--repl", "simulated", "-w", "1")
    kernel = run_leancli(
        "check", str(BASICS), "--repl", "simulated", "-w", "1", "--trust", "kernel"
    )
    by_audit = {row["id"]: row for row in read_jsonl(audit.stdout)}
    by_kernel = {row["id"]: row for row in read_jsonl(kernel.stdout)}
    assert {k: r["status"] for k, r in by_kernel.items()} == {
        k: r["status"] for k, r in by_audit.items()
    }
    passed = [k for k, r in by_kernel.items() if r["status"] == "pass"]
    assert passed and all(by_kernel[k]["trust"] == "kernel" for k in passed)
    assert all(by_audit[k]["trust"] == "audit" for k in passed)


def test_a_forged_pass_fails_and_the_rest_reach_the_kernel(tmp_path: Path, fake_repl: str) -> None:
    rows = [{"id": "honest", "code": HONEST}, {"id": "forged", "code": FORGED}]
    results = check_rows(tmp_path, fake_repl, rows, "--trust", "kernel", "--checker", "simulated")
    assert [(r["status"], r["trust"]) for r in results] == [("pass", "kernel"), ("fail", "kernel")]
    assert "declaration has metavariables" in results[1]["error"]
    # With the audit off, the replay still rejects it; the honest one says how far it went.
    off = check_rows(
        tmp_path, fake_repl, rows, "--no-audit", "--trust", "kernel", "--checker", "simulated"
    )
    assert [r["status"] for r in off] == ["pass", "fail"]
    lean = check_rows(tmp_path, fake_repl, rows, "--no-audit")
    assert [(r["status"], r["trust"]) for r in lean] == [("pass", "lean"), ("pass", "lean")]


def test_the_checker_comes_from_leancli_checker_too(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": FORGED}])
    done = run_leancli(
        "check", str(source), "--repl", fake_repl, "--trust", "kernel",
        env={"LEANCLI_CHECKER": "simulated"},
    )  # fmt: skip
    assert [row["status"] for row in read_jsonl(done.stdout)] == ["fail"]


def test_no_checker_exits_2_up_front_naming_it(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": HONEST}])
    done = run_leancli(
        "check", str(source), "--repl", fake_repl, "--trust", "kernel",
        env={"PATH": "/nonexistent", "LEANCLI_CHECKER": ""},
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == b""
    said = done.stderr.decode()
    assert "--trust kernel needs a kernel checker" in said and "leanchecker" in said
    assert "Traceback" not in said


def test_an_unknown_trust_level_is_a_one_line_error(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": HONEST}])
    done = run_leancli("check", str(source), "--repl", fake_repl, "--trust", "paranoid")
    assert done.returncode == 2 and "'paranoid' is not one of audit, kernel" in done.stderr.decode()
