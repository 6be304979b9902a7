"""Tests for `leancli.verdict.refusals`: cheats refused whatever Lean says, and the
statement's text pre-check."""

from __future__ import annotations

import pytest

from leancli.options import AuditOptions
from leancli.verdict.refusals import find_cheats, statement_present


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
        ("def f := Lean.Kernel.Environment.«addDeclWithoutChecking»", "addDeclWithoutChecking"),
        # Guillemets do not hide a name: Lean reads «debug».«skipKernelTC» as debug.skipKernelTC.
        ("set_option «debug».«skipKernelTC» true\ntheorem t : True := rfl", "skipKernelTC"),
        ("run_cmd do\n  pure ()", "`run_cmd`"),
        ("theorem t : True := by\n  run_tac pure ()", "`run_tac`"),
        ("initialize ref : IO.Ref Nat ← IO.mkRef 0", "`initialize`"),
        ("unsafe def u : Nat := 1", "`unsafe`"),
        ("#eval 1", "`#eval`"),
        ("#eval! 1", "`#eval`"),
        ('open Lean Elab Command in\nelab "#x" : command => pure ()', "`elab`"),
        ('syntax (name := fake) "#print" "axioms" ident : command', "command-level `syntax`"),
        ('macro "#fake" : command => `(theorem x : True := trivial)', "command-level `macro`"),
        ("@[command_elab Lean.Parser.Command.printAxioms] def f : Nat := 1", "command_elab"),
        ("example : 1 = 2 := by native_decide", "`native_decide`"),
        ("example : 1 = 2 := by decide +native", "`decide +native`"),
        ("instance : Inhabited Nat := ⟨by exact Lean.ofReduceBool _ _ rfl⟩", "Lean.ofReduceBool"),
        ("#exit\ntheorem t : False := by simp", "#exit"),
    ],
)
def test_find_cheats_detects(body: str, needle: str) -> None:
    reasons = find_cheats(body)
    assert len(reasons) == 1, reasons
    assert needle in reasons[0]
    assert "(line " in reasons[0]


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
partial def loop (n : Nat) : Nat := loop n
#print axioms t
macro "my_tac" : tactic => `(tactic| simp)
syntax "my_other_tac" : tactic
macro_rules | `(tactic| my_other_tac) => `(tactic| rfl)
notation "ℕ₂" => Nat
theorem named_native : 2 + 2 = 4 := by native_decide
"""
    assert find_cheats(body) == []


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


def test_syntax_that_could_rewrite_print_axioms_is_refused_but_plain_macros_are_not() -> None:
    forged = "elab_rules : command | `(#print axioms $_) => pure ()\ntheorem t : False := sorry"
    assert any("`elab_rules`" in reason for reason in find_cheats(forged))
    plain = 'macro "my_tac" : tactic => `(tactic| simp)\ntheorem t : True := by my_tac'
    assert find_cheats(plain) == []
    # A comment that mentions print does not count.
    assert find_cheats('macro "t" : tactic => `(tactic| rfl) -- print') == []


def test_a_comment_opened_by_slash_dash_slash_ends_where_lean_ends_it() -> None:
    # Lean's `whitespace` skips the opener's third character: `/-/- -/` is one whole
    # comment, so the axiom after it is code, whatever the `-/` in a line comment says.
    [reason] = find_cheats("/-/- -/\naxiom cheat : False\n-- -/")
    assert reason.startswith("declares axiom `cheat`") and reason.endswith("(line 2)")


def test_each_refusal_names_its_line_in_the_input() -> None:
    body = "theorem t : True := trivial\n\n#eval 1"
    assert find_cheats(body) == [
        "`#eval` runs code at elaboration (--allow-eval admits it) (line 3)"
    ]
    # The body starts below a header of two import lines.
    assert find_cheats(body, offset=2)[0].endswith("(line 5)")


def test_allow_eval_and_allow_native_decide_re_admit_only_their_construct() -> None:
    body = "#eval 1\nexample : 1 = 1 := by native_decide\naxiom a : False"
    admitted = AuditOptions(allow_eval=True, allow_native_decide=True)
    assert [reason.split()[1] for reason in find_cheats(body, admitted)] == ["axiom"]
    assert len(find_cheats(body)) == 3


@pytest.mark.parametrize(
    "code",
    [
        # The declaration before a macro is not where the macro's native_decide runs.
        'theorem t : True := trivial\nmacro "nd" : tactic => `(tactic| native_decide)\n'
        "example : 1 = 2 := by nd",
        'theorem t : True := trivial\nnotation "RB" => Lean.ofReduceBool',
        "example : 1 = 2 := by decide (native := true)",
        "example : 1 = 2 := by decide (config := { native := true })",
    ],
)
def test_native_code_outside_a_named_declaration_is_refused(code: str) -> None:
    assert find_cheats(code), code
