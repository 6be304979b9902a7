"""The records and their codec: every field crosses every conversion, none by hand."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest

from leancli.records import (
    Outcome,
    Result,
    Status,
    Task,
    outcome_from_dict,
    outcome_from_plain,
    outcome_to_dict,
    outcome_to_plain,
    result_from_outcome,
    result_to_dict,
    task_from_plain,
    task_to_plain,
)


def _unusual(record: type[Any], **given: Any) -> Any:
    """An instance whose every field differs from its default (given ones as given), so
    that a conversion that drops or mixes up a field shows."""
    samples: dict[str, Any] = {
        "status": Status.SORRY,
        "time": 1.25,
        "messages": [{"severity": "warning", "data": "m"}],
        "sorries": [{"pos": {"line": 2, "column": 0}, "goal": "⊢ True"}],
        "error": "e",
        "axioms": {"t": ["propext"]},
        "trust": "kernel",
        "cpu": 0.75,
        "peak_rss_mb": 512.5,
        "restarts": 1,
        "header_timed_out": True,
        "key": 7,
        "header": "import Mathlib",
        "body": "theorem t : True := sorry",
        "offset": 1,
        "header_offset": 2,
        "attempt": 1,
        "group": "g",
        "statement": "theorem t : True := by",
        "preamble": "open Nat",
        "line": 3,
        "id": "x",
        "duplicate_of": 2,
        "cached": True,
        "snippet_hash": "0123456789abcdef",
        "skipped_for": 1,
        "problem": "p",
    }
    names = [f.name for f in dataclasses.fields(record)]
    missing = [name for name in names if name not in samples and name not in given]
    assert not missing, f"add a sample value for {missing} to this test"
    return record(**{name: given.get(name, samples.get(name)) for name in names})


def test_a_task_crosses_the_channel_whole() -> None:
    task = _unusual(Task)
    plain = task_to_plain(task)
    assert isinstance(plain, tuple) and len(plain) == len(dataclasses.fields(Task))
    assert task_from_plain(plain) == task


def test_an_outcome_crosses_the_channel_as_plain_values() -> None:
    outcome = _unusual(Outcome)
    plain = outcome_to_plain(outcome)
    # No class, not even the status enum: each would cost a lookup per message.
    assert plain[0] == "sorry" and type(plain[0]) is str
    assert outcome_from_plain(plain) == outcome
    assert outcome_from_plain(plain).status is Status.SORRY


def test_an_outcome_survives_the_cache_and_an_older_entry_still_reads() -> None:
    outcome = _unusual(Outcome)
    assert outcome_from_dict(orjson.loads(orjson.dumps(outcome_to_dict(outcome)))) == outcome
    # What leancli stored before the codec: no status (it has a column) and no flag.
    older = {"time": 0.5, "messages": [], "sorries": [], "error": None, "axioms": None}
    assert outcome_from_dict({**older, "status": "pass", "unknown": 1}) == Outcome(Status.PASS, 0.5)


def test_a_result_takes_every_finding_of_its_outcome() -> None:
    outcome = _unusual(Outcome)
    result = result_from_outcome(outcome, 4, "y")
    shared = [f.name for f in dataclasses.fields(Result) if hasattr(outcome, f.name)]
    assert len(shared) == len(dataclasses.fields(Outcome)) - 1  # all but header_timed_out
    assert all(getattr(result, name) == getattr(outcome, name) for name in shared)
    assert (result.line, result.id, result.cached) == (4, "y", False)
    assert result_from_outcome(outcome, 4, "y", cached=True).cached


def test_the_output_line_keeps_its_order_and_leaves_out_what_is_unset() -> None:
    bare = Result(Status.PASS, 0.123456, line=1, id=None)
    assert bare.to_json_line() == (
        b'{"id":null,"line":1,"status":"pass","time":0.1235,"messages":[],"sorries":[]}\n'
    )
    full = _unusual(Result)
    assert list(result_to_dict(full)) == [
        "id",
        "line",
        "status",
        "time",
        "messages",
        "sorries",
        "error",
        "axioms",
        "trust",
        "cpu",
        "peak_rss_mb",
        "restarts",
        "duplicate_of",
        "cached",
        "snippet_hash",
        "skipped_for",
        "problem",
    ]
    assert result_to_dict(full)["status"] == "sorry"


def test_records_are_frozen() -> None:
    outcome = Outcome(Status.PASS, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.status = Status.FAIL  # type: ignore[misc]
    assert dataclasses.replace(outcome, status=Status.FAIL).status is Status.FAIL
