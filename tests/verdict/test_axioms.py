"""Tests for `leancli.verdict.axioms`: the appended audit, Lean's answers, the judgement."""

from __future__ import annotations

from typing import Any

import pytest

from leancli.verdict.axioms import (
    ALLOWED_AXIOMS,
    inline_audit_command,
    judge_axioms,
    parse_axioms_message,
    read_tail,
    split_inline_audit,
)
from tests.helpers.common import lean_message

# --- parse_axioms_message ----------------------------------------------------------------


def test_parse_depends() -> None:
    message = "'mathd_algebra_182' depends on axioms: [propext, Classical.choice, Quot.sound]"
    assert parse_axioms_message(message) == (
        "mathd_algebra_182",
        ["propext", "Classical.choice", "Quot.sound"],
    )


def test_parse_does_not_depend() -> None:
    assert parse_axioms_message("'Nat.add_zero' does not depend on any axioms\n") == (
        "Nat.add_zero",
        [],
    )


def test_parse_wrapped_list() -> None:
    message = (
        "'Foo.Bar.long_theorem_name' depends on axioms: [propext,\n"
        "  sorryAx,\n  Classical.choice,\n  Lean.ofReduceBool,\n  Quot.sound]"
    )
    assert parse_axioms_message(message) == (
        "Foo.Bar.long_theorem_name",
        ["propext", "sorryAx", "Classical.choice", "Lean.ofReduceBool", "Quot.sound"],
    )


def test_parse_unusual_names() -> None:
    assert parse_axioms_message("'foo'' depends on axioms: [propext]") == ("foo'", ["propext"])
    assert parse_axioms_message("'«my thm».α₁' depends on axioms: [«odd, axiom», Quot.sound]") == (
        "«my thm».α₁",
        ["«odd, axiom»", "Quot.sound"],
    )


@pytest.mark.parametrize(
    "text",
    [
        "unknown constant 'foo'",
        "declaration uses 'sorry'",
        "'foo' depends on axioms: propext",
        "",
    ],
)
def test_parse_other_text(text: str) -> None:
    assert parse_axioms_message(text) is None


# --- judge_axioms ------------------------------------------------------------------------


def test_judge_pass() -> None:
    found = {"t": ["propext", "Classical.choice", "Quot.sound"], "u": []}
    assert judge_axioms(found, ALLOWED_AXIOMS, False) == ("pass", None)
    assert judge_axioms({}, ALLOWED_AXIOMS, False) == ("pass", None)


def test_judge_sorry() -> None:
    status, error = judge_axioms({"t": ["propext"], "u": ["sorryAx"]}, ALLOWED_AXIOMS, False)
    assert status == "sorry"
    assert error is not None and "`u`" in error and "sorryAx" in error


def test_judge_disallowed_axiom_fails_and_outranks_sorry() -> None:
    found = {"t": ["sorryAx"], "Foo.u": ["propext", "myAxiom"]}
    status, error = judge_axioms(found, ALLOWED_AXIOMS, False)
    assert status == "fail"
    assert error is not None and "`Foo.u`" in error and "myAxiom" in error


def test_judge_native_decide() -> None:
    found = {"t": ["propext", "Lean.ofReduceBool"]}
    status, error = judge_axioms(found, ALLOWED_AXIOMS, False)
    assert status == "fail"
    assert error is not None and "Lean.ofReduceBool" in error and "native_decide" in error
    assert judge_axioms(found, ALLOWED_AXIOMS, True) == ("pass", None)
    # Allowing native_decide does not allow other axioms.
    assert judge_axioms({"t": ["other"]}, ALLOWED_AXIOMS, True)[0] == "fail"


def test_judge_custom_allowed_set() -> None:
    found = {"t": ["propext", "Classical.choice"]}
    assert judge_axioms(found, frozenset({"propext"}), False)[0] == "fail"


def _at(line: int, data: str, severity: str = "info") -> dict[str, Any]:
    return lean_message(severity, data, line)


def test_inline_audit_appends_full_names_then_prints_two_lines_below_the_body() -> None:
    body = "theorem a : True := trivial\nnamespace N\ntheorem b : True := trivial"
    tail = "set_option pp.fullNames true\n#print axioms a\n#print axioms N.b"
    assert inline_audit_command(body) == (["a", "N.b"], f"{body}\n\n{tail}")
    checked = inline_audit_command(body, "N.b")[1]
    assert checked == f"{body}\n\n{tail}\nset_option pp.raw true in #check @_root_.N.b"
    assert inline_audit_command("example : True := trivial") == ([], None)
    assert inline_audit_command("theorem a : True := trivial\nopen Nat in") == (["a"], None)


BODY = "theorem a : True := trivial\ntheorem b : True := by simp"  # the tail starts at line 4


def test_split_inline_audit_keeps_the_bodys_messages_and_reads_the_axioms() -> None:
    warning = _at(2, "this tactic is never executed", "warning")
    messages = [
        warning,
        _at(5, "'a' does not depend on any axioms"),
        _at(6, "'b' depends on axioms: [propext]"),
    ]
    own, answer = split_inline_audit(BODY, ["a", "b"], messages, []) or ([], None)
    assert own == [warning]
    assert answer is not None and answer.axioms == {"a": [], "b": ["propext"]}


# Lean's `#print axioms` names as `Lean/Elab/Print.lean` prints them: a private theorem's
# mangled name, `_root_.`, guillemets only where needed (and the leancli side writes them
# where Lean would not), a list wrapped over lines.
@pytest.mark.parametrize(
    ("declared", "printed", "axioms"),
    [
        ("priv", "'_private.Mathlib.Foo.0.priv' depends on axioms: [propext]", ["propext"]),
        ("N.priv", "'_private.«my file».0.N.priv' does not depend on any axioms", []),
        ("«foo»", "'foo' does not depend on any axioms", []),
        ("«two is two»", "'«two is two»' does not depend on any axioms", []),
        ("t", "'_root_.t' depends on axioms: [_root_.propext]", ["propext"]),
        (
            "t",
            "'t' depends on axioms: [propext,\n sorryAx,\n Classical.choice,\n Quot.sound]",
            ["propext", "sorryAx", "Classical.choice", "Quot.sound"],
        ),
    ],
)
def test_printed_names_are_matched_to_declared_ones(
    declared: str, printed: str, axioms: list[str]
) -> None:
    answer, problem = read_tail([_at(2, printed)], 1, [declared], None)
    assert problem is None and answer.axioms == {declared: axioms}


def test_answers_are_told_by_line_whatever_their_column() -> None:
    # Recent Lean reports at the `#print` token, older over the whole command.
    at_token = {**_at(2, "'a' does not depend on any axioms"), "endPos": {"line": 2, "column": 6}}
    whole = {**at_token, "pos": {"line": 2, "column": 0}, "endPos": {"line": 2, "column": 15}}
    check = {**_at(3, "@a : True"), "pos": {"line": 3, "column": 26}}
    for printed in (at_token, whole):
        answer, problem = read_tail([printed, check], 1, ["a"], "a")
        assert problem is None and answer.axioms == {"a": []} and answer.checked == "@a : True"


def test_a_name_printed_relative_to_an_open_namespace_is_no_answer() -> None:
    # Without pp.fullNames, `open Classical` makes Lean print `choice`: the tail sets it,
    # and an answer for another name than the line asked about is not accepted.
    _, problem = read_tail([_at(2, "'b' does not depend on any axioms")], 1, ["a"], None)
    assert problem is not None


@pytest.mark.parametrize(
    "messages",
    [
        [_at(5, "'a' does not depend on any axioms")],  # b is missing
        [  # a second, forged answer for a
            _at(5, "'a' does not depend on any axioms"),
            _at(5, "'a' does not depend on any axioms"),
            _at(6, "'b' depends on axioms: [propext]"),
        ],
        [  # something else below the body: the prints changed how Lean read it
            _at(5, "'a' does not depend on any axioms"),
            _at(6, "unterminated comment", "error"),
        ],
        [  # the body's message runs into the prints
            {**_at(2, "unexpected token", "error"), "endPos": {"line": 5, "column": 0}},
            _at(5, "'a' does not depend on any axioms"),
            _at(6, "'b' depends on axioms: [propext]"),
        ],
        [  # an answer on the full-names line
            _at(4, "'a' does not depend on any axioms"),
            _at(5, "'a' does not depend on any axioms"),
            _at(6, "'b' depends on axioms: [propext]"),
        ],
    ],
)
def test_split_inline_audit_refuses_an_answer_it_cannot_account_for(
    messages: list[dict[str, Any]],
) -> None:
    assert split_inline_audit(BODY, ["a", "b"], messages, []) is None
