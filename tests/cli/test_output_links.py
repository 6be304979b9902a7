"""Outputs that are not plain files: links are written through, a device or a pipe is
written into (never replaced, never locked), and `--resume`'s rewrite says what failed
and leaves nothing behind a killed run."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl

PASSING = {"id": "a", "code": "theorem a : True := trivial"}
FAILING = {"id": "b", "code": "theorem b : False := trivial"}


def _check(source: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, *args)


def test_a_linked_output_and_report_are_written_through_on_resume(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    output, report = tmp_path / "out.jsonl", tmp_path / "report.xml"
    output.symlink_to(real / "out.jsonl")
    report.symlink_to(real / "report.xml")
    source = write_jsonl(tmp_path / "in.jsonl", [PASSING, FAILING])
    _check(source, "-o", str(output), "--junit", str(report))
    write_jsonl(source, [PASSING, {**FAILING, "code": "theorem b : True := trivial"}])  # edited
    done = _check(source, "-o", str(output), "--junit", str(report), "--resume")
    assert done.returncode == 0, done.stderr
    assert output.is_symlink() and report.is_symlink()
    results = read_jsonl((real / "out.jsonl").read_bytes())
    assert sorted((row["line"], row["status"]) for row in results) == [(1, "pass"), (2, "pass")]
    assert 'failures="0"' in (real / "report.xml").read_text()


def test_a_report_to_a_pipe_is_written_into_it(tmp_path: Path) -> None:
    fifo = tmp_path / "report.xml"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    source = write_jsonl(tmp_path / "in.jsonl", [PASSING])
    done = _check(source, "-o", str(tmp_path / "out.jsonl"), "--junit", str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe, not a file in its place
    assert b'<testsuite name="leancli"' in received[0] and b' tests="1"' in received[0]


def test_dev_null_is_no_output_to_claim(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [PASSING])
    with open(os.devnull, "wb") as null:
        fcntl.flock(null, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as another run writing there
        try:
            done = _check(source, "-o", os.devnull)
        finally:
            fcntl.flock(null, fcntl.LOCK_UN)
    assert done.returncode == 0, done.stderr


@contextlib.contextmanager
def _unwritable(directory: Path) -> Iterator[None]:
    """`directory` with no file to be created in it (root: immutable, where chattr works)."""
    directory.chmod(0o555)
    immutable = False
    try:
        if os.geteuid() == 0:
            immutable = (
                subprocess.run(["chattr", "+i", str(directory)], check=False).returncode == 0
            )
        probe = directory / "probe"
        with contextlib.suppress(OSError):
            probe.touch()
            probe.unlink()
            pytest.skip("a file can be created in a read-only directory here")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        directory.chmod(0o755)


def test_a_rewrite_that_cannot_create_its_file_says_so(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    output = results / "out.jsonl"
    source = write_jsonl(tmp_path / "in.jsonl", [PASSING, FAILING])
    _check(source, "-o", str(output))
    before = output.read_bytes()
    write_jsonl(source, [PASSING, {**FAILING, "code": "theorem b : True := trivial"}])
    with _unwritable(results):
        done = _check(source, "-o", str(output), "--resume")
    assert done.returncode == 2
    assert b"cannot read" not in done.stderr
    assert f"cannot create a file in {results}".encode() in done.stderr
    assert output.read_bytes() == before


def test_the_temporary_file_of_a_killed_rewrite_is_removed(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    source = write_jsonl(tmp_path / "in.jsonl", [PASSING])
    _check(source, "-o", str(output))
    # What a rewrite killed with SIGKILL leaves: its temporary file, no longer locked.
    leftover = tmp_path / f".out.jsonl.{os.getpid() + 100000}.leancli-resume"
    leftover.write_bytes(output.read_bytes() * 1000)
    done = _check(source, "-o", str(output), "--resume")
    assert done.returncode == 0, done.stderr
    assert not leftover.exists()
