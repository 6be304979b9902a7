"""Progress where there is no terminal (a CI log): a line every --progress-interval
seconds, timed by an injected clock; and no bar where results share its terminal."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from rich.console import Console

from leancli.progress import RunProgress, display_mode
from leancli.records import Result, Status


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _result(line: int, status: Status = Status.PASS) -> Result:
    return Result(status, line=line, id=None)


def _tracker(total: int | None) -> tuple[RunProgress, FakeClock, io.StringIO]:
    clock, log = FakeClock(), io.StringIO()
    console = Console(file=log, force_terminal=False, width=200)
    return RunProgress(console, total, "lines", interval=30, clock=clock), clock, log


def test_a_line_every_interval_with_counts_rate_and_eta() -> None:
    tracker, clock, log = _tracker(total=10)
    clock.now += 10
    for line in (1, 2):
        tracker.advance(_result(line))
    tracker.advance(_result(3, Status.FAIL))
    assert log.getvalue() == ""  # 10 s in: not yet
    clock.now += 20
    tracker.tick()
    assert log.getvalue().splitlines() == [
        "progress: 3/10 (30%) in 30s, 0.1/s, 2 pass, 1 fail, ETA 1m10s"
    ]
    clock.now += 15
    tracker.advance(_result(4))
    assert len(log.getvalue().splitlines()) == 1  # 15 s after the last line
    clock.now += 15
    tracker.tick()
    assert log.getvalue().splitlines()[-1] == (
        "progress: 4/10 (40%) in 1m00s, 0.1/s, 3 pass, 1 fail, ETA 1m30s"
    )


def test_a_line_also_while_nothing_finishes() -> None:
    tracker, clock, log = _tracker(total=None)
    clock.now += 31
    tracker.tick()  # what the ticker thread does every interval
    assert log.getvalue().splitlines() == ["progress: 0 in 31s, 0.0/s, none yet"]


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (its side a program writes to, a regular file)."""
    leader, follower = os.openpty()
    regular = os.open(os.devnull, os.O_WRONLY)
    yield follower, regular
    for fd in (leader, follower, regular):
        os.close(fd)


def test_how_progress_shows_by_where_the_streams_go(terminal: tuple[int, int]) -> None:
    tty, regular = terminal
    # A CI log: lines, unless the interval is 0.
    assert display_mode(True, 30, stdout=regular, stderr=regular) == "lines"
    assert display_mode(True, 0, stdout=regular, stderr=regular) == "off"
    # stderr on a terminal, results redirected: a bar.
    assert display_mode(True, 30, stdout=regular, stderr=tty) == "bar"
    # Results on the bar's own terminal would glue onto it: no bar.
    assert display_mode(True, 30, stdout=tty, stderr=tty) == "off"
    # ... unless the results go to a file (-o) instead.
    assert display_mode(True, 30, results_on_stdout=False, stdout=tty, stderr=tty) == "bar"
    assert display_mode(False, 30, stdout=regular, stderr=regular) == "off"
