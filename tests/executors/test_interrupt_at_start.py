"""Ctrl-C while the workers are still starting: the run stops, no worker prints a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, REPO, write_jsonl

# Each spawned worker interpreter, before any leancli code runs, says it is starting
# and then takes its time: the moment a Ctrl-C used to print a traceback from it.
SLOW_START = """
import os, sys, time
if "--multiprocessing-fork" in sys.argv:
    open(os.path.join(os.environ["STARTING_DIR"], str(os.getpid())), "w").close()
    time.sleep(60)
"""


def test_ctrl_c_while_workers_start_prints_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(SLOW_START)
    starting = tmp_path / "starting"
    starting.mkdir()
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "theorem a : True := trivial"}])
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}:{REPO}", "STARTING_DIR": str(starting)}
    command = [sys.executable, "-m", "leancli", "check", str(source), "--repl", FAKE_REPL_COMMAND]
    run = subprocess.Popen(
        [*command, "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # a process group of its own, as a terminal's job
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(starting.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(list(starting.iterdir())) == 2, "the workers never started"
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: to the whole foreground group
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130, stderr
    assert b"Traceback" not in stderr and b"KeyboardInterrupt" not in stderr, stderr.decode()
