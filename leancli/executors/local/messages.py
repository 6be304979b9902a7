"""What the parent and a worker process say to each other: one named type per kind.

On the wire a message is a plain tuple, its kind's tag then its fields: a class in a
pickle would cost a module lookup in every message (see `leancli.records.Plain`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from leancli.records import Plain

# --- parent to worker ---------------------------------------------------------------------


class RunTasks(NamedTuple):
    """Queue these tasks (`task_to_plain`), to run in order after those already queued."""

    tasks: list[Plain]


class Cancel(NamedTuple):
    """Give back the queued tasks among `keys` that have not started."""

    keys: list[int]


class Recycle(NamedTuple):
    """Close the REPL now (it is idle and memory is short); the next task starts another."""


class Stop(NamedTuple):
    """Finish: close the REPL and exit."""


# --- worker to parent ---------------------------------------------------------------------


class Ready(NamedTuple):
    """The worker process is up and reads tasks."""


class ReplStarted(NamedTuple):
    """A REPL of this worker started (the live one or a standby): the parent kills it if
    the worker dies."""

    pid: int


class Cancelled(NamedTuple):
    """The tasks given back for a `Cancel`: those that had not started."""

    keys: list[int]


class Done(NamedTuple):
    """Task `key` finished with `outcome` (`outcome_to_plain`); `headers`: the headers its
    REPL now holds, when they changed."""

    key: int
    outcome: Plain
    headers: frozenset[str] | None


class Error(NamedTuple):
    """The worker raised `exception` (one line) while running task `key` (None: outside
    any task, and the worker exits); `traceback`: the whole formatted exception."""

    key: int | None
    exception: str
    traceback: str


ToWorker = RunTasks | Cancel | Recycle | Stop
ToParent = Ready | ReplStarted | Cancelled | Done | Error
Message = ToWorker | ToParent

_TAGS: dict[type[Any], str] = {
    RunTasks: "tasks",
    Cancel: "cancel",
    Recycle: "recycle",
    Stop: "stop",
    Ready: "ready",
    ReplStarted: "repl",
    Cancelled: "cancelled",
    Done: "done",
    Error: "error",
}
_KINDS = {tag: kind for kind, tag in _TAGS.items()}


class UnknownMessage(Exception):
    """A message of no known kind, or of a kind this side never receives."""


def encode(message: Message) -> Plain:
    return (_TAGS[type(message)], *message)


def decode(plain: Plain) -> Message:
    kind = _KINDS.get(plain[0]) if isinstance(plain, tuple) and plain else None
    if kind is None:
        raise UnknownMessage(f"message of unknown kind: {plain!r:.200}")
    try:
        message: Message = kind(*plain[1:])
    except TypeError as exc:
        raise UnknownMessage(f"malformed {plain[0]!r} message: {exc}") from exc
    return message
