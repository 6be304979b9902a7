"""The small habits of good command lines, as ruff, uv and pytest have them: -h, -V,
-q, -v, exit 5 for nothing to check, errors said once, advice that works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leancli.version import __version__
from tests.helpers.common import FAKE_REPL_COMMAND, run_leancli, write_jsonl

ROWS = [{"id": "a", "code": "theorem a : True := trivial"}]


def _check(*args: str) -> tuple[int, str, str]:
    done = run_leancli("check", *args, "--repl", FAKE_REPL_COMMAND, "--workers", "1")
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_short_version_and_help() -> None:
    version = run_leancli("-V")
    assert version.returncode == 0 and version.stdout.decode().strip() == f"leancli {__version__}"
    for args in (["-h"], ["check", "-h"], ["doctor", "-h"]):
        done = run_leancli(*args)
        assert done.returncode == 0 and b"Usage: " in done.stdout, args


def test_quiet_writes_no_summary_and_verbose_still_runs(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    code, stdout, stderr = _check(str(source), "-q")
    assert code == 0 and '"status":"pass"' in stdout
    assert stderr == ""
    code, _, stderr = _check(str(source), "--no-progress")
    assert code == 0 and "checked 1 snippets" in stderr
    assert _check(str(source), "-v")[0] == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.jsonl", ""),
        ("prose.md", "# Only prose\n\n```python\nprint(1)\n```\n"),
    ],
)
def test_nothing_to_check_exits_5_and_says_so(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    code, stdout, stderr = _check(str(tmp_path / name))
    assert code == 5 and stdout == ""
    assert "nothing to check" in stderr and name in stderr


def test_skipped_blocks_are_something_to_check(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("```lean skip\nnot Lean\n```\n")
    assert _check(str(tmp_path / "a.md"))[0] == 0


def test_an_error_names_its_flag_once(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    code, _, stderr = _check(str(source), "--template", "{a")
    assert code == 2
    assert stderr.count("--template") == 1, stderr


def test_a_write_error_on_stdout_advises_what_works(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "leancli", "check", str(source), "--repl", FAKE_REPL_COMMAND],
            stdout=full,
            stderr=subprocess.PIPE,
            check=False,
            timeout=120,
        )
    stderr = done.stderr.decode()
    assert done.returncode == 3, stderr
    assert "cannot write standard output" in stderr
    # --resume continues a file: the advice names -o first.
    assert "-o FILE" in stderr and "continue with --resume" not in stderr


def test_no_bar_when_results_share_its_terminal(tmp_path: Path) -> None:
    import pty

    source = write_jsonl(tmp_path / "in.jsonl", ROWS * 3)
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "leancli", "check", str(source), "--repl", FAKE_REPL_COMMAND]
    process = subprocess.Popen(
        command, stdout=follower, stderr=follower, env={**os.environ, "TERM": "xterm"}
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0
    # Every result is a whole line of its own; no bar was drawn to glue onto.
    assert b"checking" not in terminal and b"\x1b[?25l" not in terminal
    assert terminal.count(b'"status":"pass"') == 3
