"""A simulated Lean REPL that replays real REPL answers, for machines without Lean.

`leancli check --repl simulated` runs it: it speaks the REPL's wire protocol and answers
each command with the answer a real REPL gave to the same text (recordings under
`transcripts/`, see its README). A command it has no recording of gets a REPL error
saying so (a `crash`, never Lean's `pass` or `fail`); leancli never picks it unless named.
`checker.py` is the simulated kernel checker that `--trust kernel` runs with it: it reads
the simulated REPL's pickles (`pickleTo`), its cues marking what a kernel would reject.

May import: nothing of leancli's outside this folder (it runs as a program of its own).
"""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "simulated"
TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"
NOTE = (
    "the simulated REPL replays answers recorded from a real Lean REPL "
    f"({TRANSCRIPTS}); a snippet without a recording gets an error, not a verdict, "
    "and `#print axioms` answers are modelled, not recorded"
)


def argv() -> tuple[str, ...]:
    """The command line that starts the simulated REPL with this interpreter."""
    return (sys.executable, "-m", "leancli.simulated")


def checker_argv() -> tuple[str, ...]:
    """The command line of the simulated kernel checker (checker.py), MODULE appended."""
    return (sys.executable, "-m", "leancli.simulated.checker")


def is_simulated_argv(argv: tuple[str, ...]) -> bool:
    """Whether a REPL command line (as `argv` gives it) starts the simulated REPL."""
    return argv[-2:] == ("-m", "leancli.simulated")


def is_simulated(command: str) -> bool:
    """Whether a `--repl` / `LEANCLI_REPL` value names the simulated REPL."""
    return command.strip() == NAME
