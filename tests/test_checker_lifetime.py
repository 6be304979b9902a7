"""A Checker's workers live as long as it: not as long as the thread that made it, and
not shorter because a child of `os.fork()` exited."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import leancli
from tests.helpers.common import FAKE_REPL_COMMAND, REPO

SNIPPET = "import Mathlib\n\ntheorem {name} : True := trivial"


def _imports(log: Path) -> int:
    return log.read_text().count("import 'import Mathlib'") if log.exists() else 0


def _thread_gone(native_id: int) -> bool:
    return not Path(f"/proc/self/task/{native_id}").exists()


def test_a_checker_made_in_a_thread_that_ended_keeps_its_workers(
    fake_repl: str, import_log: Path
) -> None:
    made: list[leancli.Checker] = []
    first: list[leancli.Result] = []

    def make_and_check() -> None:
        made.append(leancli.Checker(repl=fake_repl, workers=1, timeout=30))
        first.extend(made[0].check([SNIPPET.format(name="a")]))  # imports the header

    maker = threading.Thread(target=make_and_check)
    maker.start()
    maker.join()
    native_id = maker.native_id
    assert native_id is not None
    deadline = time.monotonic() + 30
    while not _thread_gone(native_id) and time.monotonic() < deadline:
        time.sleep(0.01)  # until Linux has ended the thread (and sent what follows it)
    (checker,) = made
    with checker:
        second = checker.check([SNIPPET.format(name="b")])
    assert [r.status.value for r in first + second] == ["pass", "pass"]
    assert _imports(import_log) == 1  # the same worker, its import kept


FORKING = """
import os, sys
import leancli

with leancli.Checker(repl=sys.argv[1], workers=1, timeout=30) as checker:
    print(checker.check([sys.argv[2].format(name="a")])[0].status.value, flush=True)
    child = os.fork()
    if child == 0:
        sys.exit(0)  # a normal exit: the interpreter's exit handlers run in the child
    os.waitpid(child, 0)
    print(checker.check([sys.argv[2].format(name="b")])[0].status.value, flush=True)
"""


def test_a_forked_child_exiting_leaves_the_checker_working(import_log: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FORKING), FAKE_REPL_COMMAND, SNIPPET],
        capture_output=True,
        timeout=120,
        cwd=REPO,
        env=os.environ,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.split() == [b"pass", b"pass"]
    assert b"Traceback" not in done.stderr and b"can only join" not in done.stderr
    assert _imports(import_log) == 1  # the parent's worker, its import kept
