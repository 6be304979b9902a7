from __future__ import annotations

from leancli.records import Status
from leancli.verdict import classify, shift_positions
from tests.conftest import lean_message

_msg = lean_message


def test_warnings_and_infos_pass() -> None:
    assert (
        classify([_msg("warning", "unused variable"), _msg("info", "Try this: ring")], [])
        is Status.PASS
    )


def test_sorry_warning_in_both_spellings() -> None:
    assert classify([_msg("warning", "declaration uses `sorry`")], []) is Status.SORRY
    assert classify([_msg("warning", "declaration uses 'sorry'")], []) is Status.SORRY


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
