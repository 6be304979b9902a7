"""Environments scripts and CI jobs give leancli: closed streams, low limits, many workers."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, write_jsonl


def _leancli(
    *args: str, closed: tuple[int, ...] = (), limit: tuple[int, int] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run leancli with some standard streams closed, or a limit of open files."""

    def prepare() -> None:
        for fd in closed:
            os.close(fd)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)

    return subprocess.run(
        [sys.executable, "-m", "leancli", *args],
        stdin=subprocess.DEVNULL,
        stdout=None if 1 in closed else subprocess.PIPE,
        stderr=None if 2 in closed else subprocess.PIPE,
        preexec_fn=prepare,
        timeout=120,
        check=False,
    )


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "code": "theorem a : True := trivial"}])


def test_a_closed_stdin_with_dash_is_one_clear_line() -> None:
    done = _leancli("check", "-", "--repl", FAKE_REPL_COMMAND, closed=(0,))
    assert done.returncode == 2
    assert b"standard input is closed" in done.stderr and b"Traceback" not in done.stderr


def test_a_closed_stdout_is_one_clear_line(source: Path) -> None:
    done = _leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, closed=(1,))
    assert done.returncode == 2
    assert b"standard output is closed" in done.stderr


def test_a_closed_stderr_does_not_stop_the_run_or_reach_the_results(
    source: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    done = _leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), closed=(2,)
    )
    assert done.returncode == 0
    (result,) = read_jsonl(output.read_bytes())  # nothing meant for stderr landed here
    assert result["status"] == "pass"


def test_a_low_soft_open_files_limit_is_raised(source: Path) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 200:
        pytest.skip("the hard limit of open files is too low here")
    done = _leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "2", limit=(14, hard))
    assert done.returncode == 0, done.stderr
    assert read_jsonl(done.stdout)[0]["status"] == "pass"


def test_a_hard_open_files_limit_too_low_is_one_clear_line(source: Path) -> None:
    done = _leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "2", limit=(14, 14))
    assert done.returncode == 2
    assert b"ulimit -n" in done.stderr and b"Traceback" not in done.stderr


def test_far_more_workers_than_cores_is_a_warning(source: Path) -> None:
    from leancli.options import usable_cores

    workers = str(2 * usable_cores() + 1)
    done = _leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", workers)
    assert done.returncode == 0
    assert f"--workers {workers} is far above".encode() in done.stderr
