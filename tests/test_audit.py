"""Tests for `leancli.audit`."""

from __future__ import annotations

from typing import Any

import pytest

from leancli.audit import (
    ALLOWED_AXIOMS,
    declared_names,
    find_cheats,
    inline_audit_command,
    judge_axioms,
    parse_axioms_message,
    split_inline_audit,
    statement_present,
    strip_comments,
)
from tests.conftest import lean_message

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


# --- declared_names ----------------------------------------------------------------------


def test_declared_names_kinds_and_modifiers() -> None:
    body = """
@[simp] theorem t1 : True := trivial
private lemma l1 : True := trivial
protected noncomputable def d1 : Nat := 1
nonrec abbrev a1 := 1
partial def p1 (n : Nat) : Nat := p1 n
unsafe def u1 : Nat := 1
@[simp, reducible] def Nat.myDouble (n : Nat) := 2 * n
instance instNamed : Inhabited Nat := ⟨0⟩
instance (priority := low) instPrio : Inhabited Bool := ⟨true⟩
instance : Inhabited Unit := ⟨()⟩
instance {α} [Inhabited α] : Inhabited (List α) := ⟨[]⟩
example : True := trivial
deriving instance Repr for Nat
attribute [instance] instNamed
theorem «with space» : True := trivial
"""
    assert declared_names(body) == [
        "t1",
        "l1",
        "d1",
        "a1",
        "p1",
        "u1",
        "Nat.myDouble",
        "instNamed",
        "instPrio",
        "«with space»",
    ]


def test_declared_names_namespaces() -> None:
    body = """
theorem top1 : True := trivial
namespace Foo
theorem a : True := trivial
namespace Bar.Baz
section S
theorem b : True := trivial
end S
end Bar.Baz
noncomputable section
def c : Nat := 1
end
mutual
def ev : Nat → Bool | 0 => true | n+1 => od n
def od : Nat → Bool | 0 => false | n+1 => ev n
end
theorem _root_.rootName : True := trivial
end Foo
theorem top2 : True := trivial
"""
    assert declared_names(body) == [
        "top1",
        "Foo.a",
        "Foo.Bar.Baz.b",
        "Foo.c",
        "Foo.ev",
        "Foo.od",
        "rootName",
        "top2",
    ]


def test_declared_names_ignores_comments_and_strings() -> None:
    body = """
-- theorem commented : True := trivial
/- theorem block : True := trivial
   /- nested -/ theorem still_comment : True := trivial -/
/-- A docstring mentioning theorem doc_thm. -/
theorem real (s : String := "theorem in_string") (c : Char := '"') : True := trivial
def after_char : String := "-- not a comment"
theorem h' : ∀ f : Nat → Nat, f '' s = s := sorry
theorem last : True := trivial
"""
    assert declared_names(body) == ["real", "after_char", "h'", "last"]


# --- find_cheats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("axiom cheat : False\ntheorem t : False := cheat", "axiom `cheat`"),
        ("namespace N\nprivate axiom ax : 1 = 2\nend N", "axiom `N.ax`"),
        ("set_option debug.skipKernelTC true\ntheorem t : True := trivial", "skipKernelTC"),
        ("set_option debug.skipKernelTC true in\ntheorem t : True := trivial", "skipKernelTC"),
        ("@[implemented_by fast] def slow : Bool := false", "implemented_by"),
        ("def f : Bool := false\nattribute [implemented_by g] f", "implemented_by"),
        ('@[extern "lean_f"] opaque f : Nat → Bool', "extern"),
        ("run_cmd do\n  modifyEnv fun e => e.addDeclWithoutChecking d", "addDeclWithoutChecking"),
        ("#exit\ntheorem t : False := by simp", "#exit"),
    ],
)
def test_find_cheats_detects(body: str, needle: str) -> None:
    reasons = find_cheats(body)
    assert len(reasons) == 1
    assert needle in reasons[0]


def test_find_cheats_several_reasons() -> None:
    body = "axiom a : False\naxiom b : False\nset_option debug.skipKernelTC true\n#exit"
    assert len(find_cheats(body)) == 4


def test_find_cheats_ignores_comments_strings_and_harmless_code() -> None:
    body = """
-- axiom commented : False
/- set_option debug.skipKernelTC true
   @[implemented_by g] #exit -/
/-- Proof without `axiom foo`. -/
theorem t (s : String := "axiom x : False #exit") : True := by
  trivial
set_option debug.skipKernelTC false in
theorem t2 : True := trivial
set_option maxHeartbeats 400000 in
theorem t3 : 2 + 2 = 4 := by native_decide
unsafe def u : Nat := 1
partial def loop (n : Nat) : Nat := loop n
#print axioms t
#eval 1
"""
    assert find_cheats(body) == []


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


# --- statement_present -------------------------------------------------------------------

STATEMENT = "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := by"


def test_statement_present_with_proof_and_whitespace() -> None:
    code = (
        "import Mathlib\n\ntheorem mathd_algebra_182   (y : ℂ) :\n"
        "    7 * (3 * y + 2) = 21 * y + 14 := by\n  ring\n"
    )
    assert statement_present(code, STATEMENT)
    assert statement_present(code, "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2)")


def test_statement_changed() -> None:
    code = "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 15 := by\n  sorry"
    assert not statement_present(code, STATEMENT)


def test_statement_must_end_on_a_token_boundary() -> None:
    assert not statement_present("theorem t : x = 10 := rfl", "theorem t : x = 1")
    assert not statement_present("theorem t2 : x = 1 := rfl", "theorem t")
    assert statement_present("theorem t : x = 1 := rfl", "theorem t : x = 1")


def test_statement_comments() -> None:
    hidden = f"/- {STATEMENT} -/\ntheorem mathd_algebra_182 : True := by trivial"
    assert not statement_present(hidden, STATEMENT)
    docstring = "/-- Show that 7(3y+2) = 21y+14. -/\n" + STATEMENT
    assert statement_present(STATEMENT + " ring", docstring)


def test_statement_empty() -> None:
    with pytest.raises(ValueError):
        statement_present("theorem t : True := trivial", "  \n")


def test_strip_comments() -> None:
    code = 'a -- c\nb /- x /- y -/ z -/ c "-- s" «--n»'
    assert strip_comments(code) == 'a  \nb   c "-- s" «--n»'
    assert strip_comments(code, blank_strings=True) == 'a  \nb   c  ""  «--n»'


def test_syntax_that_could_rewrite_print_axioms_is_refused_but_plain_macros_are_not() -> None:
    forged = "elab_rules : command | `(#print axioms $_) => pure ()\ntheorem t : False := sorry"
    assert any("forge the axiom audit" in reason for reason in find_cheats(forged))
    plain = 'macro "my_tac" : tactic => `(tactic| simp)\ntheorem t : True := by my_tac'
    assert find_cheats(plain) == []
    # A comment that mentions print does not count.
    assert find_cheats('macro "t" : tactic => `(tactic| rfl) -- print') == []


def _at(line: int, data: str, severity: str = "info") -> dict[str, Any]:
    return lean_message(severity, data, line)


def test_inline_audit_appends_prints_two_lines_below_the_body() -> None:
    body = "theorem a : True := trivial\nnamespace N\ntheorem b : True := trivial"
    prints = "#print axioms a\n#print axioms N.b"
    assert inline_audit_command(body) == (["a", "N.b"], f"{body}\n\n{prints}")
    assert inline_audit_command("example : True := trivial") == ([], None)
    assert inline_audit_command("theorem a : True := trivial\nopen Nat in") == (["a"], None)


def test_split_inline_audit_keeps_the_bodys_messages_and_reads_the_axioms() -> None:
    body = "theorem a : True := trivial\ntheorem b : True := by simp"
    warning = _at(2, "this tactic is never executed", "warning")
    messages = [
        warning,
        _at(4, "'a' does not depend on any axioms"),
        _at(5, "'b' depends on axioms: [propext]"),
    ]
    own, found = split_inline_audit(body, ["a", "b"], messages, []) or ([], {})
    assert own == [warning]
    assert found == {"a": [], "b": ["propext"]}


@pytest.mark.parametrize(
    "messages",
    [
        [_at(4, "'a' does not depend on any axioms")],  # b is missing
        [  # a second, forged answer for a
            _at(4, "'a' does not depend on any axioms"),
            _at(4, "'a' does not depend on any axioms"),
            _at(5, "'b' depends on axioms: [propext]"),
        ],
        [  # something else below the body: the prints changed how Lean read it
            _at(4, "'a' does not depend on any axioms"),
            _at(5, "unterminated comment", "error"),
        ],
        [  # the body's message runs into the prints
            {**_at(2, "unexpected token", "error"), "endPos": {"line": 4, "column": 0}},
            _at(4, "'a' does not depend on any axioms"),
            _at(5, "'b' depends on axioms: [propext]"),
        ],
    ],
)
def test_split_inline_audit_refuses_an_answer_it_cannot_account_for(
    messages: list[dict[str, Any]],
) -> None:
    body = "theorem a : True := trivial\ntheorem b : True := by simp"
    assert split_inline_audit(body, ["a", "b"], messages, []) is None


def test_a_comment_opened_by_slash_dash_slash_ends_where_lean_ends_it() -> None:
    # Lean's `whitespace` skips the opener's third character: `/-/- -/` is one whole
    # comment, so the axiom after it is code, whatever the `-/` in a line comment says.
    assert find_cheats("/-/- -/\naxiom cheat : False\n-- -/") == ["declares axiom `cheat`"]
