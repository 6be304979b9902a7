"""What every executor's supervision shares: giving up on workers that cannot start,
retiring workers after `--max-tasks`, and saying why a worker died."""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass

MAX_START_FAILURES = 5


class StartFailures:
    """Counts workers that died before they were ready, since the last one that was.

    One such death is bad luck; more than `limit` in a row is a setup that cannot
    work (a broken interpreter, a cluster with no room), reported instead of retried
    for ever.
    """

    def __init__(self, workers: str, limit: int = MAX_START_FAILURES) -> None:
        self._workers = workers
        self._limit = limit
        self._count = 0

    def started(self) -> None:
        self._count = 0

    def failed(self, why: str) -> None:
        """Note one more; RuntimeError once they are too many."""
        self._count += 1
        if self._count > self._limit:
            raise RuntimeError(f"{self._workers} die on start ({why})")


@dataclass(frozen=True)
class Retirement:
    """A worker is replaced after `max_tasks` tasks (0: never), so that nothing a
    long-lived REPL accumulates outlives that many snippets."""

    max_tasks: int

    def room(self, done: int, held: int) -> int:
        """How many more tasks a worker that finished `done` and holds `held` may take."""
        if not self.max_tasks:
            return sys.maxsize
        return self.max_tasks - done - held

    def due(self, done: int, held: int = 0) -> bool:
        """Whether a worker that finished `done` and still holds `held` is to go now."""
        return bool(self.max_tasks) and done >= self.max_tasks and not held


def describe_exit(code: int | None) -> str:
    """A process's exit code (`multiprocessing`'s: negative for a signal) in words."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def describe_exception(exc: BaseException) -> str:
    """One line: the exception's type and the first line of its message."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__
