"""Outputs that are no regular file get no receipt and are never read back (a FIFO,
`-o /dev/stdout` in a pipeline), and a symlinked receipt is written through
(adversary adv-run, issue 22)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl

OK = "theorem a : True := trivial"


@pytest.fixture(autouse=True)
def _variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEANCLI_PASS_ENV", "FAKE_REPL_*,STAND_IN_*,STUB_*")


# docs/output.md: "any number of runs may write to `-o /dev/null`, a pipe or a terminal";
# the receipt's first write read the output back and blocked for ever on its own pipe.
def test_output_to_a_fifo_is_written_and_the_run_ends(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "code": OK}])
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        done = run_leancli(
            "check", str(source), "-o", str(fifo), "--repl", FAKE_REPL_COMMAND, "-q",
            timeout=30,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("leancli check -o FIFO never ended (it reads its own output back)")
    reader.join(5)
    assert done.returncode == 0, done.stderr
    assert [r["status"] for r in read_jsonl(b"".join(got))] == ["pass"]
    assert not (tmp_path / "results.fifo.receipt.json").exists()  # no receipt for a FIFO


def test_output_to_dev_stdout_in_a_pipeline_ends(tmp_path: Path) -> None:
    # The same requirement: `leancli check in.jsonl -o /dev/stdout | jq ...`.
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "code": OK}])
    command = (
        f"{sys.executable} -m leancli check {source} -o /dev/stdout "
        f"--repl {FAKE_REPL_COMMAND!r} -q | cat"
    )
    pipeline = subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", command], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=tmp_path, env=os.environ, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = pipeline.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(pipeline.pid, signal.SIGKILL)  # leancli too, stuck reading its own pipe
        pipeline.communicate()
        pytest.fail("leancli check -o /dev/stdout | cat never ended")
    assert pipeline.returncode == 0, err
    assert [r["status"] for r in read_jsonl(out)] == ["pass"]


# "Write through links; never replace anything that is not a regular file": a receipt
# that is a symlink was replaced by a regular file, the file it pointed to left stale.
def test_a_symlinked_receipt_is_written_through(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "code": OK}])
    target = tmp_path / "kept" / "receipt.json"
    target.parent.mkdir()
    target.write_text("{}\n")
    link = tmp_path / "out.jsonl.receipt.json"
    link.symlink_to(target)
    done = run_leancli(
        "check", str(source), "-o", str(tmp_path / "out.jsonl"), "--repl", FAKE_REPL_COMMAND,
        "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert link.is_symlink(), "the receipt's link was replaced by a file"
    assert '"complete": true' in target.read_text()
    assert not list(tmp_path.glob(".*.tmp")) and not list(target.parent.glob(".*.tmp"))
    stats = run_leancli("stats", str(tmp_path / "out.jsonl"))
    assert stats.returncode == 0, stats.stderr
    assert b"receipt " in stats.stdout
