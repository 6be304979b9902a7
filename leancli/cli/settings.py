"""What the command line's modules share: exit codes, usage errors, run settings, streams.

A module of its own so that `check_run` and `run_outputs` both read it without importing
each other; nothing in it is a rule the library needs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
EXIT_BROKEN_PIPE = 141  # what a shell reports for a process that SIGPIPE ended
EXIT_OUTPUT = 3  # the output cannot be written (a full disk, say): what is there is intact
EXIT_NOTHING_TO_CHECK = 5  # no snippet in the inputs (pytest's "no tests collected")


def fail_usage(message: str) -> NoReturn:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(EXIT_USAGE)


@dataclass(frozen=True)
class RunSettings:
    """How `check` treats its files and terminal, beyond what the API needs."""

    progress: bool = True
    progress_interval: float = 30.0  # seconds between progress lines where stderr is no terminal
    quiet: bool = False  # -q: no progress, no notes, no closing summary; errors only
    verbose: bool = False  # -v: leancli's debug log too
    resume: bool = False
    force: bool = False
    fsync: bool = False
    strict: bool = False
    cache_dir: Path | None = None
    globs: tuple[str, ...] = ()  # which files of a directory input: () is the inputs' default
    report_format: str = "jsonl"  # or "github": workflow commands on stdout
    junit: Path | None = None
    ordered: bool = False


CLOSED_STREAMS: set[str] = set()  # standard streams that were closed when leancli started


def fill_closed_standard_streams() -> None:
    """Put /dev/null on a closed fd 0, 1 or 2, so that no file opened later takes its
    number (results written to "stderr", say); which ones were closed is remembered."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:  # the lowest free number is fd itself; anything else: leave it
                os.close(null)
                continue
            CLOSED_STREAMS.add(name)
            setattr(sys, name, open(fd, "w" if fd else "r", closefd=False))  # noqa: SIM115
