# ruff: noqa: E501
"""Adversary adv-lexer (issue 25): spellings Lean accepts that leancli's refusals do not
read as Lean does, and honest proofs refused or failed.

Each test runs the CLI against the tests' fake REPL with `--model` (a command no recording
holds elaborates without error), with `-- fake: axioms NAME=...` where a test needs what
real Lean's `#print axioms` would answer. The Lean source each expectation follows is
named in the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl


def _check(tmp_path: Path, rows: list[dict[str, Any]], *args: str) -> dict[str, dict[str, Any]]:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "1", *args)
    assert done.returncode in (0, 1), done.stderr
    return {row["id"]: row for row in read_jsonl(done.stdout)}


# --- 3/5. an attribute spelt through an `attr` macro ------------------------------------
#
# Lean `src/Lean/Elab/Attributes.lean`, `elabAttr`: `let attr ← liftMacroM <| expandMacros
# attr` before the attribute's name is read. So `macro "ib" : attr => `(attr|
# implemented_by g)` makes `@[ib]` the attribute `implemented_by` (core's own `app_delab`
# is such a macro). A `macro`/`syntax`/`macro_rules` of the `attr` category is not
# command-level, so leancli allows it, and `@[ib]` names no refused attribute.

ATTR_MACRO_IMPLEMENTED_BY = """\
def trueImpl (_ : Nat) : Bool := true
macro "ib" : attr => `(attr| implemented_by trueImpl)
@[ib]
def check (_ : Nat) : Bool := false
theorem t : check 0 = true := by native_decide
"""

ATTR_MACRO_COMMAND_ELAB = """\
syntax "ce" : attr
macro_rules | `(attr| ce) => `(attr| command_elab Lean.Parser.Command.printAxioms)
open Lean Elab Command in
@[ce]
def forged : CommandElab := fun _ => logInfo "'t' does not depend on any axioms"
theorem t : 1 = 1 := rfl
"""


def test_implemented_by_through_an_attribute_macro_is_refused(tmp_path: Path) -> None:
    # Issue 25 item 3: "Names are compared after removing «», for keywords, categories,
    # attributes" / "every rule below must hold for any spelling Lean accepts";
    # LeanParanoia ImplementedBy. `check 0` is `false` to the kernel, `true` to the
    # compiler native_decide trusts: a false theorem passes with --allow-native-decide.
    rows = [{"id": "ib", "code": ATTR_MACRO_IMPLEMENTED_BY}]
    result = _check(tmp_path, rows, "--allow-native-decide")["ib"]
    assert result["status"] == "fail", result
    assert result["error"].startswith("refused: "), result


def test_command_elab_through_an_attribute_macro_is_refused(tmp_path: Path) -> None:
    # Issue 25 item 3/5: `@[«command_elab» ...]` must be refused in every spelling; this one
    # registers an elaborator for the audit's own `#print axioms` (a forged answer).
    rows = [{"id": "ce", "code": ATTR_MACRO_COMMAND_ELAB}]
    result = _check(tmp_path, rows)["ce"]
    assert result["status"] == "fail", result
    assert result["error"].startswith("refused: "), result


# --- 3. command-level macro_rules / syntax that leancli reads as term-level -------------
#
# `` `(...) `` is both `Term.quot` (a term) and `Command.quot` (commands); the parser keeps
# the longer parse. `$a in $b` is no term, but is the command `Lean.Parser.Command.in`
# (`trailing_parser " in " command`), which the audit's own `set_option pp.raw true in
# #check @_root_.NAME` is. `$m:declModifiers theorem ...` is the command `declaration`
# (`Lean/Parser/Command.lean`: `declaration := declModifiers false >> ...`; Mathlib-style
# code writes `` `($mods:declModifiers theorem $n $sig $val) `` as a command quotation).


def test_macro_rules_on_the_in_command_is_refused(tmp_path: Path) -> None:
    # Issue: "command-level `syntax`, `macro` and `macro_rules` ... could give `#print
    # axioms` another meaning" (refused, docs/trust.md); item 3: any spelling.
    rows = [
        {"id": "in", "code": "macro_rules | `($a in $b) => `($b)\ntheorem t : 1 = 1 := rfl"},
        {
            "id": "decl",
            "code": "macro_rules | `($m:declModifiers theorem $n $s:declSig $v:declVal) => "
            "`($m:declModifiers theorem $n $s $v)\ntheorem t : 1 = 1 := rfl",
        },
    ]
    results = _check(tmp_path, rows)
    for key in ("in", "decl"):
        assert results[key]["status"] == "fail", results[key]
        assert results[key]["error"].startswith("refused: "), results[key]


def test_command_syntax_followed_by_an_infix_is_refused(tmp_path: Path) -> None:
    # `syntax_category` takes the word after the last `:` up to the next command keyword;
    # `infixl:65` (not among them) supplies a later `:`, so `syntax "forge" : command` reads
    # as category `65`, and the bare `` `(forge) `` pattern reads as a term: a new command
    # with a macro passes. Lean: `Lean/Parser/Syntax.lean` `syntax ... : cat` ends there.
    code = (
        'syntax "forge" : command\n'
        'infixl:65 " +++ " => Nat.add\n'
        "macro_rules | `(forge) => `(#check 1)\n"
        "forge\n"
        "theorem t : 1 = 1 := rfl"
    )
    result = _check(tmp_path, [{"id": "forge", "code": code}])["forge"]
    assert result["status"] == "fail", result
    assert result["error"].startswith("refused: "), result


# --- 2. interpolation: a core interpolating syntax the primary reading misses ------------
#
# `src/Lean/Exception.lean`: `syntax "throwErrorAt " term:max (interpolatedStr(term) <|>
# term) : term`: the string after `throwErrorAt (ref)` is interpolated, `{'"'}` a Char in
# it (`StrInterpolation.lean`, `Basic.lean` `charLitFnAux`). leancli's core reading only
# interpolates after `throwErrorAt IDENT`; its every-string-interpolated reading is thrown
# off by an earlier plain `"{"`. Both readings then put `run_cmd` inside a string.

INTERPOLATION_DESYNC = """\
def a := "{"
open Lean in
def f : MetaM Unit := throwErrorAt (Syntax.missing) "{'"'}"
run_cmd pure ()
def c := "x"
"""


def test_run_cmd_after_throw_error_at_with_a_parenthesised_ref_is_refused(tmp_path: Path) -> None:
    # Issue 25 item 2: "Follow Lean's identifier, string, char, interpolation and comment
    # rules exactly"; `run_cmd` is refused (docs/trust.md).
    rows = [{"id": "desync", "code": "import Lean\n" + INTERPOLATION_DESYNC}]
    result = _check(tmp_path, rows)["desync"]
    assert result["status"] == "fail", result
    assert "run_cmd" in result.get("error", ""), result


# --- 8. honest code refused: a plain string with a brace ----------------------------------
#
# In core Lean `"{"` is a plain string (`strLitFnAux`): nothing after it is code in a
# string. leancli's every-string-interpolated reading opens an interpolant at that `{` and
# reads the next string's contents as code.


def test_a_brace_in_a_plain_string_does_not_refuse_the_words_of_later_strings(
    tmp_path: Path,
) -> None:
    # Issue 25 item 8 / brief: honest proofs must pass ("strings with braces").
    code = 'def lbrace : String := "{"\ntheorem t : (lbrace ++ "unsafe").length = 7 := by decide'
    result = _check(tmp_path, [{"id": "brace", "code": code}])["brace"]
    assert result["status"] == "pass", result


# --- 4. --allow-native-decide and a lemma proved natively, used by another theorem --------
#
# `src/Lean/Meta/Native.lean` (v4.29+, lean4#12217) `nativeEqTrue`: the axiom is
# `t._native.native_decide.ax_1_1`, named after `t`; `#print axioms s` for `s := t`
# lists it (`CollectAxioms` follows `t`). It is named after a declaration of the snippet.


def test_allow_native_decide_admits_the_native_axiom_of_a_lemma_the_theorem_uses(
    tmp_path: Path,
) -> None:
    # Issue 25 item 4: "`--allow-native-decide` must admit exactly those [named after the
    # declaration]" — here the declaration `t` of the same snippet.
    code = (
        "theorem t : 2 + 2 = 4 := by native_decide\n"
        "theorem s : 2 + 2 = 4 := t\n"
        "-- fake: axioms s=t._native.native_decide.ax_1_1"
    )
    result = _check(tmp_path, [{"id": "reuse", "code": code}], "--allow-native-decide")["reuse"]
    assert result["status"] == "pass", result


# --- 1. a sorry in an unnamed instance under `set_option warn.sorry false` -----------------
#
# `instance : C := sorry` gets an automatic name (`instInhabitedEmpty`), which leancli does
# not print; lean4#8662 (`warn.sorry false`) removes the only other sign of the sorry.
# docs/trust.md says unnamed instances are covered by "Lean's own sorry warning", the very
# warning this option hides.


def test_a_sorry_in_an_unnamed_instance_under_warn_sorry_false_is_not_a_pass(
    tmp_path: Path,
) -> None:
    # Issue 25 item 1: "`#guard_msgs` with `drop` and `set_option warn.sorry` cannot hide a
    # sorry or an error."
    code = (
        "set_option warn.sorry false\n"
        "instance : Inhabited Empty := sorry\n"
        "theorem t : 1 = 1 := rfl\n"
        "-- fake: axioms t=propext"
    )
    result = _check(tmp_path, [{"id": "inst", "code": code}])["inst"]
    assert result["status"] != "pass", result


# --- 1. `#guard_msgs` whose specification holds only options -------------------------------
#
# `src/Lean/Elab/GuardMsgs.lean`, `parseGuardMsgsSpec`: `whitespace := ...`, `ordering := ...`
# set no filter, and `return (whitespace, ordering, p?.getD fun _ => .check)`: with no
# filter element every message is checked, so one its doc comment holds is consumed.
# leancli reads such a specification as passing every message through.


def test_guard_msgs_with_only_options_cannot_hide_an_expected_error(tmp_path: Path) -> None:
    # Issue 25 item 1: "`#guard_msgs` with `drop` and `set_option warn.sorry` cannot hide a
    # sorry or an error"; docs/trust.md: a `#guard_msgs` that "expects one in its doc
    # comment (`/-- error: ... -/`)" is refused. Real Lean: the error is consumed and `t`
    # is added with `sorryAx` (the cue), so leancli would say `sorry`, not `fail`.
    code = (
        "/--\nerror: The rfl tactic failed.\n-/\n"
        "#guard_msgs (whitespace := lax) in\n"
        "theorem t : 1 = 2 := by rfl\n"
        "-- fake: axioms t=sorryAx"
    )
    result = _check(tmp_path, [{"id": "lax", "code": code}])["lax"]
    assert result["status"] == "fail", result
    assert result["error"].startswith("refused: "), result


# --- 2. a notation token that changes where a comment starts -------------------------------
#
# `src/Lean/Elab/Syntax.lean` `isValidAtom` accepts the atom `x--` (it starts with neither
# `'`, `"`, `«`, a backtick name nor a digit, and holds no whitespace), and `notation` stays
# allowed. `src/Lean/Parser/Basic.lean`: at `x--`, `tokenFn` finds the longest token
# `x--` and `identFnAux`'s `mkIdResult` keeps it (`isToken`: the token is at least as long
# as the identifier `x`); `whitespace` only runs between tokens, so `--` there starts no
# comment. leancli reads `x` and then a `--` comment: the rest of the line is hidden.

NOTATION_TOKEN = """\
notation "x--" => (0 : Nat)
def y : Nat := x-- axiom cheat : False
def z : Nat := x-- elab_rules : command | `(#print%$tk axioms $i) => Lean.logInfoAt tk m!"'{i.getId}' {FORGED}"
theorem t : False := cheat
-- fake: axioms t=
""".replace("{FORGED}", "does not depend on any axioms")


def test_a_notation_token_containing_dashes_hides_no_axiom_or_elaborator(
    tmp_path: Path,
) -> None:
    # Issue 25 item 2: "Follow Lean's ... comment rules exactly"; brief: "notation defining
    # a new token that changes lexing". The `axiom` and the `elab_rules` (which answers the
    # audit's `#print axioms` itself: the cue is that forged answer) must be refused.
    rows = [{"id": "token", "code": "import Lean\n" + NOTATION_TOKEN}]
    result = _check(tmp_path, rows)["token"]
    assert result["status"] == "fail", result
    assert result["error"].startswith("refused: "), result
