"""A spare REPL for a worker, warmed in a background thread (`--standby`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from leancli.repl.session import ReplSession, kill_process_group

if TYPE_CHECKING:
    from concurrent.futures import Future


class Standby:
    """A spare REPL warmed in a background thread with the worker's headers.

    A REPL lost to a timeout or a crash is then replaced without waiting for a full
    import of its header, at the price of a second REPL's memory.
    """

    def __init__(self, warm: Callable[[list[str]], tuple[ReplSession, dict[str, int]]]) -> None:
        # Imported here: a worker without --standby need not load it (and logging).
        from concurrent.futures import ThreadPoolExecutor

        self._warm = warm
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leancli-standby")
        self._future: Future[tuple[ReplSession, dict[str, int]]] | None = None
        self._headers: list[str] = []
        self.warming: ReplSession | None = None

    def ensure(self, headers: list[str]) -> None:
        """Start warming a spare with `headers` unless one is warm or warming."""
        if self._future is None and headers:
            self._headers = headers
            self._future = self._threads.submit(self._warm, headers)

    def take(self, header: str) -> tuple[ReplSession, dict[str, int]] | None:
        """The spare and its environments, once ready, if it is meant to hold `header`."""
        future = self._future
        if future is None or header not in self._headers:
            return None
        self._future, self.warming = None, None
        try:
            return future.result()
        except Exception:
            return None

    def close(self) -> None:
        self._future = None
        warming = self.warming
        if warming is not None and warming.pid is not None:
            kill_process_group(warming.pid)  # ends an import in progress at once
        self._threads.shutdown(wait=True)
        if warming is not None:
            warming.close()
