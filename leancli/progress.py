"""Progress on stderr while results stream out, and the closing summary."""

from __future__ import annotations

import time
from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from leancli.records import Result, Status

STATUS_STYLES = {
    Status.PASS: "green",
    Status.FAIL: "red",
    Status.SORRY: "yellow",
    Status.TIMEOUT: "magenta",
    Status.MEMORY: "magenta",
    Status.CRASH: "bold red",
    Status.INVALID: "dim",
    Status.SKIPPED: "cyan",
}


class RunProgress:
    """Counts results per status; draws a live bar when `enabled`."""

    def __init__(self, console: Console, total: int | None, enabled: bool) -> None:
        self.console = console
        self.counts: Counter[Status] = Counter()
        self.started = time.monotonic()
        self._progress: Progress | None = None
        self._task = None
        if enabled:
            self._progress = Progress(
                TextColumn("[bold]checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("[cyan]{task.fields[rate]}/s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self._task = self._progress.add_task("check", total=total, counts="", rate="0.0")

    def __enter__(self) -> RunProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def advance(self, result: Result) -> None:
        self.counts[result.status] += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                advance=1,
                counts=self._counts_markup(),
                rate=f"{self.rate():.1f}",
            )

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _counts_markup(self) -> str:
        return " ".join(
            f"[{STATUS_STYLES[status]}]{status.value} {self.counts[status]}[/]"
            for status in Status
            if self.counts[status]
        )

    def summary(self, interrupted: bool = False) -> str:
        elapsed = time.monotonic() - self.started
        counts = ", ".join(
            f"{self.counts[status]} {status.value}" for status in Status if self.counts[status]
        )
        head = "interrupted after" if interrupted else "checked"
        return (
            f"{head} {self.done} snippets in {elapsed:.1f} s ({self.rate():.1f}/s): "
            f"{counts or 'nothing'}"
        )
