"""What local and Ray supervision share: start failures, retirement, causes of death."""

from __future__ import annotations

import pytest

from leancli.executors.supervision import (
    MAX_START_FAILURES,
    Retirement,
    StartFailures,
    describe_exception,
    describe_exit,
)


def test_workers_that_keep_dying_on_start_are_given_up_on() -> None:
    failures = StartFailures("worker processes")
    for _ in range(MAX_START_FAILURES):
        failures.failed("exit code 1")
    with pytest.raises(RuntimeError, match=r"worker processes die on start \(exit code 1\)"):
        failures.failed("exit code 1")


def test_a_worker_that_starts_resets_the_count() -> None:
    failures = StartFailures("Ray actors", limit=1)
    failures.failed("lost")
    failures.started()
    failures.failed("lost")  # one in a row again, not two
    with pytest.raises(RuntimeError):
        failures.failed("lost")


def test_retirement_after_max_tasks() -> None:
    never = Retirement(0)
    assert not never.due(10**6) and never.room(10**6, 5) > 10**6
    three = Retirement(3)
    assert three.room(done=1, held=1) == 1  # one more, then it is full
    assert not three.due(2) and three.due(3)
    assert not three.due(3, held=1)  # not while it still holds a task


def test_causes_of_death_in_words() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(-200) == "killed by signal 200"
    assert describe_exit(1) == "exit code 1"
    assert describe_exit(None) == "still running"
    assert describe_exception(ValueError("first line\nsecond")) == "ValueError: first line"
    assert describe_exception(KeyError()) == "KeyError"
