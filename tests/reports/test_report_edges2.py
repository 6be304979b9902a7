"""CI report edges (from adv-ci): where JUnit and annotations place results.

Each test names the behaviour a CI user expects and quotes the issue requirement it
breaks. They run the installed CLI in a real process with the tests' fake REPL."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND

FAIL = "theorem t{i} : True := by\n  -- fake: error\n  trivial"


def _github_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_SHA": "abc123",
        "GITHUB_REPOSITORY": "owner/repo",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(tmp_path),
    }


# Issue 26, 1: "failure text `FILE:LINE:COL` with the input's line (a JSONL line number,
# or the line in a .lean/.md file) ... as the annotations use". A timeout, a crash, an
# invalid snippet or a refusal has no Lean message: the annotation still gives
# file=doc.md,line=3, but the JUnit body is the bare error with no FILE:LINE at all.
def test_junit_failure_text_names_file_and_line_for_a_timeout_and_a_refusal(
    tmp_path: Path,
) -> None:
    (tmp_path / "Hang.lean").write_text("theorem a : True := by\n  -- fake: hang\n  trivial\n")
    (tmp_path / "doc.md").write_text(
        "# Doc\n\nText.\n\n```lean\ntheorem ok : True := trivial\naxiom cheat : False\n```\n"
    )
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leancli",
            "check",
            "Hang.lean",
            "doc.md",
            "--repl",
            FAKE_REPL_COMMAND,
            "--timeout",
            "1",
            "--junit",
            str(report),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    text = report.read_text()
    bodies = re.findall(r"<(?:failure|error)[^>]*>([^<]*)</", text)
    assert len(bodies) == 2, text
    for body in bodies:
        assert re.match(r"(Hang\.lean|doc\.md):\d+(:\d+)?: ", body), body
