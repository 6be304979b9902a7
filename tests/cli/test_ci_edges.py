"""CI edges of `leancli check` (issue 26): odd file names, option values, habits."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, REPO, read_jsonl, run_leancli

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


# docs/output.md: "`-h` is `--help` and `-V` `--version`, for every command".
@pytest.mark.parametrize("command", ["check", "stats", "doctor", "setup"])
def test_dash_capital_v_prints_the_version_for_every_command(command: str) -> None:
    done = run_leancli(command, "-V")
    assert done.returncode == 0, done.stderr
    assert b"leancli" in done.stdout


# docs/output.md: "`-v`/`--verbose` adds leancli's debug log": the REPL, workers, limits.
def test_verbose_adds_something_to_stderr() -> None:
    plain = run_leancli("check", BASICS, "--repl", "simulated", "--no-progress")
    verbose = run_leancli("check", BASICS, "--repl", "simulated", "--no-progress", "-v")

    def strip(text: bytes) -> bytes:
        return re.sub(rb"in [0-9.]+ s \([0-9.]+/s\)", b"", text)

    assert strip(verbose.stderr) != strip(plain.stderr)
    assert b"REPL" in verbose.stderr


# README.md is read on GitHub, whose heading anchors follow github-slugger (punctuation
# dropped, each space a hyphen): its links into docs/ use those anchors.
def test_readme_anchors_into_docs_resolve_on_github() -> None:
    readme = (REPO / "README.md").read_text()

    def slug(heading: str) -> str:
        text = heading.strip().lower()
        text = re.sub(r"[^\w\- ]", "", text)
        return text.replace(" ", "-")

    broken = []
    for page, anchor in re.findall(r"\]\((docs/[\w\-/]+\.md)#([\w\-]+)\)", readme):
        headings = re.findall(r"^#+ (.+)$", (REPO / page).read_text(), re.MULTILINE)
        if anchor not in {slug(h) for h in headings}:
            broken.append(f"{page}#{anchor}")
    assert broken == []


# docs/output.md: a `.lean` file with nothing to check (empty, comments or imports only) is
# no snippet: alone, the run exits 5 with the line saying so.
@pytest.mark.parametrize("text", ["", "-- only a comment\n", "import Mathlib\n/- c -/\n"])
def test_a_lean_file_with_nothing_to_check_exits_5(tmp_path: Path, text: str) -> None:
    path = tmp_path / "Empty.lean"
    path.write_text(text)
    done = run_leancli("check", str(path), "--repl", FAKE_REPL_COMMAND)
    assert done.returncode == 5, (done.returncode, done.stdout, done.stderr)
    assert b"nothing to check" in done.stderr


# A fenced block in a block quote (`> ```lean`) is a CommonMark fenced block: checked, its
# positions in the file's lines.
def test_a_lean_block_in_a_block_quote_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "# Guide\n\n> ```lean\n> theorem f : True := by\n>   -- fake: error\n>   trivial\n> ```\n"
    )
    done = run_leancli("check", str(path), "--repl", FAKE_REPL_COMMAND)
    assert done.returncode == 1, (done.returncode, done.stderr)
    (result,) = read_jsonl(done.stdout)
    assert result["source_line"] == 3, result
