"""Progress on stderr while results stream out, and the closing summary.

Three ways to show it, chosen by `display_mode`: a live bar on a terminal; a line every
`--progress-interval` seconds where stderr is no terminal (a CI log keeps every line, so
a bar there is noise, and silence until the end says nothing); nothing when stdout and
stderr are the same terminal, since results written there would land on the bar's line.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Literal

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
_LONGEST_WAIT = 3600.0
DEFAULT_INTERVAL = 30.0

DisplayMode = Literal["bar", "lines", "off"]


def display_mode(
    enabled: bool,
    interval: float,
    *,
    results_on_stdout: bool = True,
    stdout: int = 1,
    stderr: int = 2,
) -> DisplayMode:
    """How a run shows its progress, given the standard streams' file descriptors (as
    they are before the run takes stdout over)."""
    if not enabled:
        return "off"
    if not os.isatty(stderr):
        return "lines" if interval > 0 else "off"
    if results_on_stdout and os.isatty(stdout) and _same_file(stdout, stderr):
        return "off"  # results go to the bar's terminal: a bar would glue onto them
    return "bar"


def _same_file(a: int, b: int) -> bool:
    first, second = os.fstat(a), os.fstat(b)
    return (first.st_dev, first.st_ino, first.st_rdev) == (
        second.st_dev,
        second.st_ino,
        second.st_rdev,
    )


class RunProgress:
    """Counts results per status; shows them as `mode` says (a bar, or a line every
    `interval` seconds of `clock`)."""

    def __init__(
        self,
        console: Console,
        total: int | None,
        mode: DisplayMode,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.total = total
        self.counts: Counter[Status] = Counter()
        self._clock = clock
        self.started = clock()
        self._interval = interval
        self._logged_at = self.started
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._progress: Progress | None = None
        self._task = None
        if mode == "lines":
            # A line also while nothing finishes (a long import): the ticker's job.
            self._ticker = threading.Thread(target=self._tick_until_stopped, daemon=True)
        if mode == "bar":
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
        if self._ticker is not None:
            self._ticker.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def advance(self, result: Result) -> None:
        with self._lock:
            self.counts[result.status] += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                advance=1,
                counts=self._counts_markup(),
                rate=f"{self.rate():.1f}",
            )
        if self._ticker is not None:
            self.tick()

    def tick(self) -> None:
        """Write the progress line when `interval` seconds passed since the last one."""
        with self._lock:
            now = self._clock()
            if now - self._logged_at < self._interval:
                return
            self._logged_at = now
            line = self.log_line(now)
        self.console.print(line, highlight=False, soft_wrap=True, markup=False)

    def _tick_until_stopped(self) -> None:
        # The wait is capped (threading refuses one past TIMEOUT_MAX); `tick` writes the line
        # only once `interval` seconds passed.
        while not self._stop.wait(min(self._interval, _LONGEST_WAIT)):
            self.tick()

    def log_line(self, now: float) -> str:
        """A CI log's line: `progress: 120/1000 (12%) in 1m00s, 2.0/s, 100 pass, 20 fail,
        ETA 7m20s`."""
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        done = (
            f"{self.done}/{self.total} ({self.done / self.total:.0%})"
            if self.total
            else f"{self.done}"
        )
        counts = ", ".join(
            f"{self.counts[status]} {status.value}" for status in Status if self.counts[status]
        )
        parts = [f"progress: {done} in {_duration(elapsed)}", f"{rate:.1f}/s", counts or "none yet"]
        if self.total and rate > 0:
            parts.append(f"ETA {_duration(max(0, self.total - self.done) / rate)}")
        return ", ".join(parts)

    def rate(self) -> float:
        elapsed = self._clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _counts_markup(self) -> str:
        return " ".join(
            f"[{STATUS_STYLES[status]}]{status.value} {self.counts[status]}[/]"
            for status in Status
            if self.counts[status]
        )

    def summary(self, interrupted: bool = False) -> str:
        elapsed = self._clock() - self.started
        counts = ", ".join(
            f"{self.counts[status]} {status.value}" for status in Status if self.counts[status]
        )
        head = "interrupted after" if interrupted else "checked"
        return (
            f"{head} {self.done} snippets in {elapsed:.1f} s ({self.rate():.1f}/s): "
            f"{counts or 'nothing'}"
        )


def _duration(seconds: float) -> str:
    """`45s`, `7m20s`, `2h05m`: short enough for a log line."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
