"""The records the layers pass around, and the one codec to plain values and back.

A `Task` goes from the run loop to a worker, an `Outcome` comes back, a `Result` is one
output line. `Outcome` and `Result` share what checking found (`_Findings`), so a field
added there crosses the worker channel, enters the result cache, reaches the run loop's
results and the JSONL output with no other edit: every conversion below is derived from
the dataclass fields.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter
from typing import Any, get_type_hints

import orjson

# A record as plain values, in the order of its fields: what crosses the worker channel.
# A class in a pickle costs a module lookup in every message, several times the values'.
Plain = tuple[Any, ...]

TIME_DIGITS = 4  # of `time` in the output: a tenth of a millisecond


class Status(str, enum.Enum):
    """The verdict on one snippet: Lean's own (pass, fail, sorry) or why there is none."""

    PASS = "pass"
    FAIL = "fail"
    SORRY = "sorry"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASH = "crash"
    INVALID = "invalid"
    SKIPPED = "skipped"  # --first-pass: another sample of its problem passed first


@dataclass(frozen=True, slots=True)
class Task:
    """One snippet to check: `body` runs in the environment of `header`.

    Tasks of one `group` (the samples of one problem, with --incremental) are best run
    back to back on one worker.
    """

    key: int
    header: str
    body: str
    offset: int
    attempt: int = 0
    group: str = ""
    statement: str | None = None  # whose elaborated type the snippet must keep
    preamble: str | None = None  # the statement is read under (None: the header)
    # Lines before the header's first token: Lean places a header's import errors there.
    header_offset: int = 0


@dataclass(frozen=True, slots=True)
class _Findings:
    """What checking one snippet found: the fields an `Outcome` hands to its `Result`."""

    status: Status
    time: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)
    sorries: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    axioms: dict[str, list[str]] | None = None
    trust: str | None = None  # how far it was checked: "lean", "audit" or "kernel"
    # What checking it cost (repl/cost.py): CPU seconds of the REPL's process tree, its
    # anonymous resident MiB at the peak (sampled), REPLs it ended (each one restarted).
    cpu: float | None = None
    peak_rss_mb: float | None = None
    restarts: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome(_Findings):
    """What a worker found for one task."""

    header_timed_out: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Result(_Findings):
    """One output line: the verdict on the snippet at input line `line`.

    Fields that default to None or False are written out only when set. The fields of
    its own (after the findings) are given by keyword.
    """

    line: int
    id: str | None
    duplicate_of: int | None = None
    cached: bool = False
    # What the verdict was computed from (see resume.snippet_hash): `--resume` keeps a
    # result only while its input line still builds the same snippet.
    snippet_hash: str | None = None
    skipped_for: int | None = None  # the passing line of its problem (--first-pass)
    problem: str | None = None  # the --first-pass field's value: `stats --by problem`

    def to_dict(self) -> dict[str, Any]:
        return result_to_dict(self)

    def to_json_line(self) -> bytes:
        return orjson.dumps(result_to_dict(self)) + b"\n"


def _names(record: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(record))


_STATUSES = {status.value: status for status in Status}
_TASK_VALUES = attrgetter(*_names(Task))
_OUTCOME_FIELDS = _names(Outcome)
_FINDINGS_VALUES = attrgetter(*_names(_Findings))
assert _OUTCOME_FIELDS[0] == "status", "outcome_to_plain sends the status as its value first"
_OUTCOME_AFTER_STATUS = attrgetter(*_OUTCOME_FIELDS[1:])


def task_to_plain(task: Task) -> Plain:
    values: Plain = _TASK_VALUES(task)
    return values


def task_from_plain(values: Plain) -> Task:
    return Task(*values)


def outcome_to_plain(outcome: Outcome) -> Plain:
    rest: Plain = _OUTCOME_AFTER_STATUS(outcome)
    return (outcome.status.value, *rest)


def outcome_from_plain(values: Plain) -> Outcome:
    return Outcome(_STATUSES[values[0]], *values[1:])


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    """The outcome by field name: what the result cache stores."""
    named = {name: getattr(outcome, name) for name in _OUTCOME_FIELDS}
    named["status"] = outcome.status.value
    return named


def outcome_from_dict(named: dict[str, Any]) -> Outcome:
    """The outcome of `outcome_to_dict`; fields it lacks (stored by an older leancli)
    take their defaults, names it does not know are ignored."""
    known = {name: named[name] for name in _OUTCOME_FIELDS if name in named}
    known["status"] = _STATUSES[known["status"]]
    return Outcome(**known)


def result_from_outcome(
    outcome: Outcome,
    line: int,
    item_id: str | None,
    *,
    cached: bool = False,
    snippet_hash: str | None = None,
) -> Result:
    return Result(
        *_FINDINGS_VALUES(outcome),
        line=line,
        id=item_id,
        cached=cached,
        snippet_hash=snippet_hash,
    )


def _round_time(seconds: float) -> float:
    return round(seconds, TIME_DIGITS)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


_Layout = tuple[tuple[str, object, Callable[[Any], Any] | None], ...]


def _output_layout() -> _Layout:
    """(name, the default that leaves it out or MISSING, how to write it) of each
    output field, in output order: which line it answers first, then the findings, then
    the rest. Worked out once: the writer runs it for every result."""
    hints = get_type_hints(Result)
    by_name = {f.name: f for f in fields(Result)}
    layout = []
    for name in ["id", "line", *(name for name in by_name if name not in ("id", "line"))]:
        default = by_name[name].default
        absent = default if default is None or default is False else MISSING
        kind = hints[name]
        write: Callable[[Any], Any] | None = None
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            write = _enum_value
        elif kind is float:
            write = _round_time
        layout.append((name, absent, write))
    return tuple(layout)


_OUTPUT_LAYOUT = _output_layout()


def result_to_dict(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, absent, write in _OUTPUT_LAYOUT:
        value = getattr(result, name)
        if value is not absent:
            out[name] = value if write is None else write(value)
    return out
