"""Inputs that can be read only once (a pipe, a FIFO, /dev/stdin) are streams, like `-`:
never read ahead to count them, for --strict, or for --resume."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tests.helpers.common import BASICS_VERDICTS, REPO, read_jsonl, run_leancli

BASICS = REPO / "samples" / "basics.jsonl"


def _fifo_fed_with(tmp_path: Path, data: bytes) -> tuple[Path, threading.Thread]:
    """A FIFO that a thread writes `data` into once a reader opens it (as `<(cmd)` does)."""
    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return fifo, writer


def test_a_pipe_named_as_a_file_gives_every_result(tmp_path: Path) -> None:
    done = run_leancli("check", "/dev/stdin", "--repl", "simulated", input=BASICS.read_bytes())
    results = read_jsonl(done.stdout)
    assert {row["id"]: row["status"] for row in results} == BASICS_VERDICTS
    assert done.returncode == 1, done.stderr  # some of the samples fail


def test_a_fifo_is_read_once_and_does_not_hang(tmp_path: Path) -> None:
    fifo, writer = _fifo_fed_with(tmp_path, BASICS.read_bytes())
    done = run_leancli("check", str(fifo), "--repl", "simulated", "--strict", timeout=60)
    writer.join()
    results = read_jsonl(done.stdout)
    assert {row["id"]: row["status"] for row in results} == BASICS_VERDICTS


def test_strict_on_a_fifo_stops_at_its_first_invalid_line(tmp_path: Path) -> None:
    data = b'{"id": "a", "code": "def f := 37"}\nnot json\n{"id": "c", "code": "def g := 1"}\n'
    fifo, writer = _fifo_fed_with(tmp_path, data)
    done = run_leancli("check", str(fifo), "--repl", "simulated", "--strict", timeout=60)
    writer.join()
    assert done.returncode == 2
    assert b"line 2" in done.stderr and b"--strict" in done.stderr
    assert [row["id"] for row in read_jsonl(done.stdout)] == ["a"]
