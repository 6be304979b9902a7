"""A Checker in a process that forks (verl's reward managers may fork workers with a
ProcessPoolExecutor): the child cannot use the parent's Checker and says so, never hangs,
and neither its use nor its exit disturbs the parent's workers (regression found by
adv-trainers)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, REPO

SCRIPT = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, sys.argv[1])
    import leancli
    from leancli.checker import CheckerClosed

    snippet = "import Mathlib\\ntheorem a : True := trivial\\n"
    checker = leancli.Checker(repl=sys.argv[2], workers=1)
    print("parent", checker.check([snippet])[0].status.value, flush=True)
    child = os.fork()
    if child == 0:
        try:
            checker.check([snippet])
        except CheckerClosed as exc:
            print("child CheckerClosed:", exc, flush=True)
        del checker
        sys.exit(0)  # a normal exit: atexit hooks and finalizers run
    os.waitpid(child, 0)
    again = checker.check([snippet.replace("theorem a", "theorem b")])[0]
    print("parent again", again.status.value)
    checker.close()
    """
)


def test_a_forked_child_is_told_to_make_its_own_checker_and_leaves_the_parents_alone(
    import_log: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(REPO), FAKE_REPL_COMMAND],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "parent pass"
    assert lines[1].startswith("child CheckerClosed: ") and "make a new Checker" in lines[1]
    assert lines[2] == "parent again pass"
    assert "Traceback" not in done.stderr, done.stderr  # "can only join a child process"
    # The child stopped none of the parent's workers: its warm REPL imported once.
    imports = [line for line in import_log.read_text().splitlines() if "import" in line]
    assert len(imports) == 1, imports
