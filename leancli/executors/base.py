"""The small interface every executor implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from leancli.errors import LeancliError
from leancli.records import Outcome, Task


class ExecutorUnavailable(LeancliError, RuntimeError):
    """The chosen executor cannot run here (e.g. Ray is not installed)."""


@dataclass(frozen=True)
class IdleWorker:
    """A worker ready for tasks, with the headers its REPL has loaded.

    `busy`: it is running a task already, and would queue new ones behind it.
    `room`: how many tasks it takes now.
    """

    worker_id: int
    headers: frozenset[str]
    busy: bool = False
    room: int = 1


@dataclass(frozen=True)
class Finished:
    task: Task
    outcome: Outcome


@dataclass(frozen=True)
class Lost:
    """The worker holding `task` died (killed, out of memory, node lost)."""

    task: Task
    reason: str


Event = Finished | Lost


class Executor(Protocol):
    """Hands tasks to workers and reports what became of them.

    The run loop alone decides what to submit where; an executor only keeps its
    workers alive (replacing dead or retired ones) and never loses a task silently:
    every submitted task comes back exactly once, as Finished or Lost.
    """

    @property
    def size(self) -> int: ...

    def idle_workers(self) -> list[IdleWorker]: ...

    def submit(self, worker_id: int, task: Task) -> None: ...

    def wait(self, timeout: float) -> list[Event]: ...

    def recycle_largest_idle(self) -> bool:
        """Restart the idle REPL holding the most memory; False if there is none to free."""
        ...

    def abandon(self, keys: set[int]) -> None:
        """Stop the submitted tasks `keys`: they may still come back (Finished or Lost),
        to be ignored."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...
