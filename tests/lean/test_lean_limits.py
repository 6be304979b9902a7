"""Against a real Lean REPL: the sandbox, the timeout and the memory limits.

Skipped (with the reason) unless discovery finds a real REPL: see tests/helpers/lean_tier.py.
These snippets run code at elaboration (`#eval`), which the audit may refuse, so they
are checked with `--no-audit`: what is tested is the REPL's process, not the verdict.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.sandbox.bubblewrap import bubblewrap_problem
from tests.helpers.lean_tier import RealRepl, check_rows, real_repl_or_skip

pytestmark = pytest.mark.lean

AFTER = {"id": "after", "code": "theorem after : 3 = 3 := rfl"}
# A tail-recursive loop, compiled: it runs until the REPL is killed.
SPIN = "partial def spin (n : Nat) : Nat := spin (n + 1)\n\n#eval spin 0"
# About 48 GB of list cells, more than any limit below lets a REPL have.
HOG = "#eval (List.replicate 2000000000 7).length"


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    return real_repl_or_skip()


def test_a_snippet_past_its_timeout_is_stopped_and_the_next_one_runs(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    rows = [{"id": "spin", "code": SPIN}, AFTER]
    run = check_rows(real_repl, rows, tmp_path, "--timeout", "10", "--no-audit", "-w", "1")
    assert run.statuses() == {"spin": "timeout", "after": "pass"}, run.stderr


def test_a_repl_over_the_memory_limit_is_stopped_as_memory(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    rows = [{"id": "hog", "code": HOG}, AFTER]
    # No address-space limit: only the watch on resident memory can stop the snippet.
    limits = ["--memory-limit", "1024", "--hard-memory-limit", "0"]
    run = check_rows(real_repl, rows, tmp_path, *limits, "--no-audit", "-w", "1")
    assert run.statuses() == {"hog": "memory", "after": "pass"}, run.stderr


def test_a_repl_out_of_address_space_under_the_hard_limit_is_memory(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    if real_repl.mathlib:
        pytest.skip(
            "the REPL runs in a Mathlib project, where the hard limit stays at 12 GiB or more "
            "(Mathlib's mapped .olean files count toward it): too close to this machine's memory"
        )
    rows = [{"id": "hog", "code": HOG}, AFTER]
    # The watched limit is out of reach: only RLIMIT_AS can stop the snippet.
    limits = ["--memory-limit", "1000000", "--hard-memory-limit", "4096"]
    run = check_rows(real_repl, rows, tmp_path, *limits, "--no-audit", "-w", "1")
    assert run.statuses() == {"hog": "memory", "after": "pass"}, run.stderr


def _escape_rows(target: Path) -> list[dict[str, str]]:
    write = f'#eval IO.FS.writeFile "{target}" "written from a snippet"'
    return [{"id": "write", "code": write}, AFTER]


def test_the_sandbox_runs_lean_but_keeps_its_writes_inside(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    problem = bubblewrap_problem()
    if problem is not None:
        pytest.skip(f"--sandbox cannot run here: {problem}")
    (tmp_path / "sandboxed").mkdir()
    (tmp_path / "open").mkdir()
    target = tmp_path / "escaped.txt"
    rows = _escape_rows(target)
    sandboxed = check_rows(real_repl, rows, tmp_path / "sandboxed", "--sandbox", "--no-audit")
    assert sandboxed.status("after") == "pass", sandboxed.stderr
    assert sandboxed.status("write") == "fail", sandboxed.results
    assert not target.exists()
    # The same snippet outside the sandbox does write the file: the test can tell.
    unsandboxed = check_rows(real_repl, rows, tmp_path / "open", "--no-audit")
    assert unsandboxed.status("write") == "pass", unsandboxed.results
    assert target.read_text() == "written from a snippet"
