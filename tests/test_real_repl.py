"""Against a real Lean REPL, found the way `leancli check` finds one.

Skipped unless discovery finds a usable REPL: set LEANCLI_REPL, or run `leancli setup`
(and set LEANCLI_TEST_PROJECT to a Lake project to run in it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from leancli.discovery import Discovery, discover_repl
from leancli.doctor import diagnose
from leancli.options import MemoryLimits
from leancli.protocol import CommandAnswer
from leancli.session import ReplSession
from leancli.toolchain import parse_lean_version_output, supports_elab_async

pytestmark = pytest.mark.real_repl
TIMEOUT = 300.0


def _project() -> Path | None:
    value = os.environ.get("LEANCLI_TEST_PROJECT")
    return Path(value) if value else None


@pytest.fixture(scope="module")
def found() -> Discovery:
    found = discover_repl(None, _project())
    if not found.ok:
        reasons = "; ".join(problem.message for problem in found.problems) or "unknown"
        pytest.skip(f"no usable Lean REPL ({reasons}): run `leancli setup` or set LEANCLI_REPL")
    assert found.spec is not None
    if any("fake_repl" in part for part in found.spec.argv):
        pytest.skip("LEANCLI_REPL names the simulated REPL, not a real one")
    return found


@pytest.fixture(scope="module")
def session(found: Discovery) -> Iterator[ReplSession]:
    assert found.spec is not None
    with ReplSession(found.spec, MemoryLimits(rss_mb=16384)) as repl:
        yield repl


def errors(answer: object) -> list[str]:
    assert isinstance(answer, CommandAnswer), answer
    return [m["data"] for m in answer.messages if m.get("severity") == "error"]


def test_a_true_example_passes(session: ReplSession) -> None:
    assert errors(session.send({"cmd": "example : 1 = 1 := rfl"}, TIMEOUT)) == []


def test_a_false_example_fails(session: ReplSession) -> None:
    assert errors(session.send({"cmd": "example : 1 = 2 := rfl"}, TIMEOUT)) != []


def test_elab_async_exists_exactly_where_the_feature_table_says(
    found: Discovery, session: ReplSession
) -> None:
    version = found.lean_version
    if version is None:
        pytest.skip("the REPL's Lean version is unknown")
    answer = session.send(
        {"cmd": "set_option Elab.async false in\nexample : True := trivial"}, TIMEOUT
    )
    assert (errors(answer) == []) == supports_elab_async(version), errors(answer)


def test_doctor_agrees_that_check_can_run(found: Discovery) -> None:
    report = diagnose(None, _project())
    assert report.ok, report.problems


@pytest.mark.skipif(shutil.which("lean") is None, reason="no `lean` on PATH")
def test_real_lean_version_output_parses() -> None:
    output = subprocess.run(["lean", "--version"], capture_output=True, text=True, check=True)
    assert parse_lean_version_output(output.stdout) is not None, output.stdout


def test_the_basic_samples_get_leans_verdicts(found: Discovery, tmp_path: Path) -> None:
    """The whole pipeline (header split, empty header, audit) against real Lean."""
    from tests.conftest import REPO, read_jsonl, run_leancli

    assert found.spec is not None
    output = tmp_path / "out.jsonl"
    args = ["check", str(REPO / "samples" / "basics.jsonl"), "-o", str(output), "-w", "1"]
    if _project() is not None:
        args += ["--project", str(_project())]
    done = run_leancli(*args, timeout=900)
    assert done.returncode == 1, done.stderr.decode()
    statuses = {r["id"]: r["status"] for r in read_jsonl(output.read_bytes())}
    assert statuses == {
        "def-eval": "pass",
        "two-plus-two": "pass",
        "by-sorry": "sorry",
        "unsolved": "fail",
        "metavariables": "fail",
        "unfinished": "fail",
        "have-sorry": "fail",
        "with-header": "pass",
    }
