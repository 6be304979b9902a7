"""Against a real Lean REPL: LeanParanoia's exploit suite gets the verdicts
tests/data/leanparanoia/answers.json records (which tests/verdict/test_paranoia.py
replays through the simulated REPL), and every file LeanParanoia marks valid passes.

Skipped (with the reason) unless discovery finds a real REPL: see tests/helpers/lean_tier.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.lean_tier import RealRepl, check_rows, real_repl_or_skip
from tests.helpers.leanparanoia import ANSWERS, snippet

pytestmark = pytest.mark.lean


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    return real_repl_or_skip()


def test_the_exploit_suite_gets_the_recorded_verdicts(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": path, "code": snippet(path)} for path in ANSWERS]
    run = check_rows(real_repl, rows, tmp_path)
    wanted = {path: answer["status"] for path, answer in ANSWERS.items()}
    assert run.statuses() == wanted, {
        path: run.results[path].get("error") for path in ANSWERS if run.status(path) != wanted[path]
    }
