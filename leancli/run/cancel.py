"""Lines whose results are no longer wanted, told to a run loop from any thread.

A `Checker` call that is cancelled (`asyncio` cancelled it, its `imap` was closed early,
Ctrl-C came while it waited) tells the run loop its lines; the loop, within one of its
waits (under a second), drops those still waiting and has the executor stop those
running. A line whose identical snippet another call still waits for keeps its task:
only its own result is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable


class Cancellations:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: set[int] = set()

    def cancel(self, lines: Iterable[int]) -> None:
        with self._lock:
            self._lines.update(lines)

    def take(self) -> set[int]:
        """The lines cancelled since the last call."""
        with self._lock:
            lines, self._lines = self._lines, set()
        return lines
