"""Issue 25 (items 1, 2, 4): the classes behind adv-lexer's cases, each for any spelling
Lean accepts: `#guard_msgs` specifications of options only, the native axioms of any
declaration the snippet audits, a `sorry` in an `opaque`, strings read both ways.

Each test names the Lean source it follows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.verdict import lexer
from leancli.verdict.axioms import ALLOWED_AXIOMS, judge_axioms
from leancli.verdict.guards import guard_refusals
from leancli.verdict.lexer import TooManyReadings, lean_readings
from leancli.verdict.refusals import find_cheats
from tests.helpers.common import check_rows

# --- #guard_msgs: a specification of options only checks every message ------------------
#
# `src/Lean/Elab/GuardMsgs.lean` `parseGuardMsgsSpec`: `whitespace := ...`, `ordering :=
# ...` and `positions := ...` set options, no filter; it returns `p?.getD fun _ =>
# .check`, so with no filter element every message is checked, and one the doc comment
# holds is consumed.


@pytest.mark.parametrize(
    "spec",
    [
        "(whitespace := lax)",
        "(ordering := sorted)",
        "(positions := true)",
        "(whitespace := exact, ordering := sorted)",
        "( whitespace := normalized )",
    ],
)
def test_a_guard_of_options_only_expecting_an_error_is_refused(spec: str) -> None:
    body = f"/--\nerror: unsolved goals\n-/\n#guard_msgs {spec} in\ntheorem x : False := by simp"
    [why] = guard_refusals(body)
    assert "expecting an error" in why and "(line 4)" in why


def test_a_guard_of_options_and_filters_reads_the_filters() -> None:
    # With a filter element, a message it does not name passes through (`pushP`: `p?.getD
    # fun _ => .pass`): the error reaches the verdict.
    body = "/-- error: unsolved goals -/\n#guard_msgs (drop info, whitespace := lax) in\n#check 1"
    assert guard_refusals(body) == []
    dropping = "#guard_msgs (whitespace := lax, drop error) in\ntheorem x : False := by simp"
    assert "dropping errors" in guard_refusals(dropping)[0]


# --- --allow-native-decide: the auxiliary axiom of any declaration audited -----------------
#
# `src/Lean/Meta/Native.lean` (v4.29+): `native_decide` in `t` adds the axiom
# `t._native.native_decide.ax_1_1`; `#print axioms s` for `s := t` lists it (`CollectAxioms`
# follows `t`). leancli audits every declaration of the snippet, so `found` holds `t`.


def test_the_native_axiom_of_another_audited_declaration_is_admitted() -> None:
    found = {"t": ["t._native.native_decide.ax_1_1"], "s": ["t._native.native_decide.ax_1_1"]}
    assert judge_axioms(found, ALLOWED_AXIOMS, True) == ("pass", None)
    namespaced = {"N.t": [], "s": ["N.t._native.decide.ax_1_2"]}
    assert judge_axioms(namespaced, ALLOWED_AXIOMS, True) == ("pass", None)


def test_a_native_axiom_of_no_audited_declaration_or_of_another_shape_fails() -> None:
    for axiom in (
        "u._native.native_decide.ax_1_1",  # `u` is no declaration of the snippet
        "t._native.ax_1_1",  # Lean's shape has the tactic's name
        "t._native.native_decide.cheat",
    ):
        status, error = judge_axioms({"t": [], "s": [axiom]}, ALLOWED_AXIOMS, True)
        assert status == "fail" and axiom in str(error), axiom


def test_without_the_flag_a_lemma_s_native_axiom_fails_with_the_hint() -> None:
    found = {"t": [], "s": ["t._native.native_decide.ax_1_1"]}
    status, error = judge_axioms(found, ALLOWED_AXIOMS, False)
    assert status == "fail" and "(native_decide is not allowed)" in str(error)


# --- a sorry in an opaque under `set_option warn.sorry false` ------------------------------
#
# lean4#8662: `warn.sorry false` removes the warning; `#print axioms f` of an `opaque`
# lists what its value uses (`CollectAxioms` visits an opaque's value), so the audit must
# print it.


def test_a_sorry_in_an_opaque_under_warn_sorry_false_is_not_a_pass(
    tmp_path: Path, fake_repl: str
) -> None:
    code = (
        "set_option warn.sorry false\n"
        "opaque f : Nat := sorry\n"
        "theorem t : 1 = 1 := rfl\n"
        "-- fake: axioms t=propext"
    )
    [row] = check_rows(tmp_path, fake_repl, [{"id": "opaque", "code": code}])
    assert row["status"] != "pass", row
    assert "f" in row.get("axioms", {}) or "`f`" in row.get("error", ""), row


# --- strings Lean may read plain or interpolated -------------------------------------------
#
# `src/Lean/Parser/StrInterpolation.lean`: only syntax taking `interpolatedStr(term)`
# reads `{...}` as code, and a string or interpolant left open is a parse error
# (`strLitFnAux`, `interpolatedStrFn`): such readings are not Lean's.


def test_a_reading_whose_strings_do_not_close_is_not_lean_s() -> None:
    text = 'def l := "{"\ndef m := "run_cmd"'
    assert all("run_cmd" not in [t.text for t in reading] for reading in lean_readings(text))


def test_strings_read_both_ways_in_combination() -> None:
    # Two strings Lean may read interpolated, each needed for `run_cmd` to be code.
    text = 'f "{\'"\'}" "\nx\n" g "{\'"\'}"\nrun_cmd pure ()\ndef c := "x"'
    readings = [[t.text for t in reading] for reading in lean_readings(text)]
    assert any("run_cmd" in reading for reading in readings)


def test_past_the_limit_the_snippet_is_refused_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'def a := "{"\ndef f := throwErrorAt (x) "{\'"\'}"\nrun_cmd pure ()'
    monkeypatch.setattr(lexer, "READINGS_LIMIT", 1)
    with pytest.raises(TooManyReadings):
        lean_readings(text)
    [why] = find_cheats(text, offset=2)
    assert "Lean may read as interpolated or not" in why and "(line 3)" in why
