"""The `lean` tier's own machinery, which must work here where no real REPL exists:
it skips with a reason that says how to get a REPL, fails instead when required, and
its import tap reports what a REPL was really asked to import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leancli.options import ReplSpec
from leancli.repl.protocol import CommandAnswer
from leancli.toolchain.discovery import Discovery
from tests.helpers.common import FAKE_REPL_COMMAND, REPO
from tests.helpers.lean_tier import (
    TIER_ENV,
    RealRepl,
    check_rows,
    comparable,
    find_real_repl,
    lean_verdict,
    split_header,
    tapped_imports,
    tapped_repl_command,
    tier_mode,
)


def _no_repl_environ(tmp_path: Path) -> dict[str, str]:
    """The caller's environment with no REPL to find: an empty cache, no LEANCLI_REPL."""
    hidden = {"LEANCLI_REPL", "LEANCLI_TEST_PROJECT", TIER_ENV, "LEANCLI_LEAN_TIER_SETUP"}
    environ = {key: value for key, value in os.environ.items() if key not in hidden}
    return {**environ, "LEANCLI_CACHE_DIR": str(tmp_path / "empty-cache")}


def test_the_tier_mode_is_read_from_the_environment() -> None:
    assert tier_mode({}) == "auto"
    assert tier_mode({TIER_ENV: "require"}) == "require"
    assert tier_mode({TIER_ENV: " require-mathlib "}) == "require-mathlib"
    with pytest.raises(ValueError, match=f"{TIER_ENV}='always'"):
        tier_mode({TIER_ENV: "always"})


def test_without_a_repl_the_reason_says_what_was_looked_for(tmp_path: Path) -> None:
    reason = find_real_repl(_no_repl_environ(tmp_path))
    assert isinstance(reason, str)
    assert "no real Lean REPL" in reason
    assert str(tmp_path / "empty-cache") in reason
    assert "`leancli setup`" in reason


def test_the_simulated_repl_is_not_taken_for_a_real_one(tmp_path: Path) -> None:
    environ = {**_no_repl_environ(tmp_path), "LEANCLI_REPL": FAKE_REPL_COMMAND}
    reason = find_real_repl(environ)
    assert isinstance(reason, str) and "simulated REPL" in reason


def _run_tier(tmp_path: Path, mode: str | None) -> subprocess.CompletedProcess[str]:
    environ = _no_repl_environ(tmp_path)
    if mode is not None:
        environ[TIER_ENV] = mode
    files = [
        "tests/lean/test_lean_tier.py",
        "tests/lean/test_lean_audit.py",
        "tests/lean/test_lean_limits.py",
    ]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *files],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_tier_skips_without_a_repl_and_fails_when_required(tmp_path: Path) -> None:
    skipped = _run_tier(tmp_path, None)
    assert skipped.returncode == 0, skipped.stdout
    assert "passed" not in skipped.stdout and "skipped" in skipped.stdout, skipped.stdout
    assert "no real Lean REPL" in skipped.stdout and "`leancli setup`" in skipped.stdout
    required = _run_tier(tmp_path, "require")
    assert required.returncode == 1, required.stdout
    assert "skipped" not in required.stdout.splitlines()[-1], required.stdout
    assert "no real Lean REPL" in required.stdout and "require" in required.stdout


def test_an_unknown_tier_mode_fails_the_tier(tmp_path: Path) -> None:
    run = _run_tier(tmp_path, "sometimes")
    assert run.returncode == 1 and f"{TIER_ENV}='sometimes'" in run.stdout, run.stdout


def test_the_tap_reports_each_import_the_repl_gets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = RealRepl(Discovery(spec=ReplSpec.from_command(FAKE_REPL_COMMAND)), None)
    log, repl_log = tmp_path / "tap.log", tmp_path / "repl.log"
    rows = [
        {"id": "a1", "code": "import Lean\n\ntheorem a1 : 1 = 1 := rfl"},
        {"id": "b1", "code": "import Mathlib\n\ntheorem b1 : 1 = 1 := rfl"},
        {"id": "a2", "code": "import Lean\n\ntheorem a2 : 2 = 2 := rfl"},
    ]
    monkeypatch.setenv("FAKE_REPL_LOG", str(repl_log))
    command = tapped_repl_command(fake, log)
    run = check_rows(fake, rows, tmp_path, "-w", "1", "--repl", command, use_project=False)
    assert run.statuses() == {"a1": "pass", "b1": "pass", "a2": "pass"}, run.stderr
    imports = tapped_imports(log)
    assert sorted(header for _, header in imports) == ["import Lean", "import Mathlib"]
    # What the simulated REPL itself logged: the same imports, one REPL.
    logged = [line for line in repl_log.read_text().splitlines() if " import " in line]
    assert len(logged) == len(imports) and len({pid for pid, _ in imports}) == 1


@pytest.mark.parametrize(
    ("code", "header"),
    [
        ("theorem t : True := trivial", ""),
        ("import Lean\n\nopen Lean in\n#check 1", "import Lean\n\n"),
        ("/- licence -/\nimport A\n-- note\n  import B\n\ndef x := 1", None),
        ("/-- doc -/\ntheorem t : True := trivial", ""),
        ("-- only a comment\ntheorem t : True := trivial", ""),
    ],
)
def test_the_reference_header_is_the_leading_imports(code: str, header: str | None) -> None:
    expected = code[: code.index("def x")] if header is None else header
    assert split_header(code) == (expected, code[len(expected) :] if expected else code)


def test_the_reference_verdict_is_leans() -> None:
    error = {"severity": "error", "pos": {"line": 1, "column": 0}, "data": "unsolved goals"}
    old_sorry = {"severity": "warning", "data": "declaration uses 'sorry'"}
    listed = {"proofState": 0, "pos": {"line": 1, "column": 3}, "goal": "⊢ True"}
    assert lean_verdict(CommandAnswer(0, [error], [listed])) == "fail"
    assert lean_verdict(CommandAnswer(0, [old_sorry])) == "sorry"
    assert lean_verdict(CommandAnswer(0, [], [listed])) == "sorry"
    assert lean_verdict(CommandAnswer(0, [{"severity": "warning", "data": "unused"}])) == "pass"
    renumbered = {**listed, "proofState": 7}
    assert comparable([listed]) == comparable([renumbered])
