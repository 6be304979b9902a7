"""CI edges of `leancli check` (issue 26): odd file names, option values, habits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, REPO, run_leancli

BASICS = str(REPO / "samples" / "basics.jsonl")


# A file name that is not UTF-8 is named with `\xNN` in results and reports, no traceback.
def test_a_file_name_that_is_not_utf8_gives_no_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "proofs"
    folder.mkdir()
    (folder / "ok.lean").write_text("theorem ok : True := trivial\n")
    with open(os.path.join(os.fsencode(folder), b"bad\xff name.lean"), "w") as handle:
        handle.write("theorem a : True := by\n  -- fake: error\n  trivial\n")
    report = tmp_path / "report.xml"
    done = run_leancli(
        "check",
        str(folder),
        "--repl",
        FAKE_REPL_COMMAND,
        "--junit",
        str(report),
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")[-800:]
    assert done.returncode in (1, 2), done.stderr
    if done.returncode == 1:
        assert report.exists()


# A huge --progress-interval waits at most an hour at a time; inf and nan are refused with
# a one-line error naming the option.
@pytest.mark.parametrize("interval", ["1e10", "inf", "nan"])
def test_a_huge_progress_interval_gives_no_traceback(interval: str) -> None:
    done = run_leancli("check", BASICS, "--repl", "simulated", "--progress-interval", interval)
    assert b"Traceback" not in done.stderr, done.stderr.decode()[-600:]
    assert done.returncode in (1, 2), done.stderr
    if interval != "1e10":
        assert done.returncode == 2
        assert b"--progress-interval" in done.stderr
