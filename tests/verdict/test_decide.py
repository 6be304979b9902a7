from __future__ import annotations

import pytest

from leancli.options import AuditOptions
from leancli.records import Status
from leancli.verdict.decide import Evidence, classify, decide, shift_positions
from tests.helpers.common import lean_message

_msg = lean_message


def test_warnings_and_infos_pass() -> None:
    assert (
        classify([_msg("warning", "unused variable"), _msg("info", "Try this: ring")], [])
        is Status.PASS
    )


def test_sorry_warning_in_every_spelling() -> None:
    assert classify([_msg("warning", "declaration uses `sorry`")], []) is Status.SORRY
    assert classify([_msg("warning", "declaration uses 'sorry'")], []) is Status.SORRY
    # As lean4 PR #11414 would print it.
    assert classify([_msg("warning", "declaration `foo` uses `sorry`")], []) is Status.SORRY
    assert classify([_msg("warning", "declaration `foo` uses nothing")], []) is Status.PASS


def test_sorries_without_a_warning_still_count() -> None:
    assert classify([], [{"pos": {"line": 1, "column": 0}, "goal": "⊢ True"}]) is Status.SORRY


def test_an_error_wins_over_sorry() -> None:
    messages = [_msg("warning", "declaration uses `sorry`"), _msg("error", "unknown identifier")]
    assert classify(messages, []) is Status.FAIL


def test_positions_shift_without_touching_the_input() -> None:
    original = [_msg("error", "x", line=2)]
    shifted = shift_positions(original, 5)
    assert shifted[0]["pos"] == {"line": 7, "column": 0}
    assert shifted[0]["endPos"] == {"line": 7, "column": 3}
    assert original[0]["pos"] == {"line": 2, "column": 0}


_OFF = AuditOptions(enabled=False)
_ON = AuditOptions()
_ALLOW_CHEAT = AuditOptions(allowed=frozenset({"cheat"}))
_STANDARD = {"t": ["propext", "Classical.choice", "Quot.sound"]}
_SORRY_WARNING = _msg("warning", "declaration uses `sorry`")

# (what the REPL answered, audit options) -> (status, a word the error must hold or None)
DECISIONS: list[tuple[Evidence, AuditOptions, Status, str | None]] = [
    (Evidence(), _OFF, Status.PASS, None),
    (Evidence([_msg("error", "unknown identifier 'x'")]), _ON, Status.FAIL, "unknown identifier"),
    (Evidence([_SORRY_WARNING]), _ON, Status.SORRY, None),
    # The statement's elaborated type decides, with both types in the error.
    (Evidence(expected_type="@t : True", checked_type="@t : True"), _OFF, Status.PASS, None),
    (
        Evidence(expected_type="@t : True", checked_type="@t : False"),
        _ON,
        Status.FAIL,
        "statement changed: the statement elaborates to `@t : True`, the snippet's to `@t : False`",
    ),
    (Evidence(expected_type="@t : True"), _ON, Status.FAIL, "statement changed"),
    # Lean passes it: the axioms decide.
    (Evidence(axioms=_STANDARD), _ON, Status.PASS, None),
    (Evidence(axioms={"t": ["sorryAx"]}), _ON, Status.SORRY, "sorryAx"),
    (Evidence(axioms={"t": ["cheat"]}), _ON, Status.FAIL, "`cheat`"),
    (Evidence(axioms={"t": ["cheat"]}), _OFF, Status.PASS, None),
    (
        Evidence(axioms={"t": ["cheat"]}),
        AuditOptions(allowed=frozenset({"cheat"})),
        Status.PASS,
        None,
    ),
    (Evidence(axioms={"t": ["Lean.ofReduceBool"]}), _ON, Status.FAIL, "native_decide"),
    (
        Evidence(axioms={"t": ["Lean.ofReduceBool"]}),
        AuditOptions(allow_native_decide=True),
        Status.PASS,
        None,
    ),
    # An audit that could not be carried out never passes, whatever the axioms read.
    (
        Evidence(axioms={}, audit_failure=(Status.TIMEOUT, "axiom audit: timed out")),
        _ON,
        Status.TIMEOUT,
        "axiom audit",
    ),
    # ... but does not turn Lean's own fail into anything else.
    (
        Evidence([_msg("error", "type mismatch")], audit_failure=(Status.CRASH, "gone")),
        _ON,
        Status.FAIL,
        "type mismatch",
    ),
]


@pytest.mark.parametrize(("evidence", "audit", "status", "word"), DECISIONS)
def test_decide_from_a_table(
    evidence: Evidence, audit: AuditOptions, status: Status, word: str | None
) -> None:
    outcome = decide(evidence, audit)
    assert outcome.status is status
    if word is None:
        assert outcome.error is None
    else:
        assert outcome.error is not None and word in outcome.error


def test_decide_moves_positions_to_the_input_lines_and_records_the_axioms() -> None:
    evidence = Evidence([_msg("warning", "unused", line=2)], offset=3, axioms=_STANDARD)
    outcome = decide(evidence, _ON, 1.5)
    assert outcome.messages[0]["pos"]["line"] == 5
    assert outcome.axioms == _STANDARD and outcome.time == 1.5
    assert decide(evidence, _OFF).axioms is None
