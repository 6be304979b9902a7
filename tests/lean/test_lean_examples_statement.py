"""Against a real Lean REPL (issue 25, items 1 and 7): examples are audited like theorems,
`#guard_msgs` cannot hide an error, and the statement check reads the declared constant,
raw, up to bound variables' names.

Skipped (with the reason) unless discovery finds a real REPL: see tests/helpers/lean_tier.py.
Sources: `Lean/Elab/MutualDef.lean` (an example is a `def` elaborated under
`withoutModifyingEnv`), `Lean/Elab/GuardMsgs.lean`, `Lean/Util/PPExt.lean` (`pp.raw`
prints `toString e`), `src/library/print.cpp` (that printer), SafeVerify's `equivThm`
(`Expr` `==`, alpha equivalence).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.lean_tier import RealRepl, check_rows, real_repl_or_skip

pytestmark = pytest.mark.lean


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    return real_repl_or_skip()


EXAMPLE_CHEATS = {
    "admit": "example : 1 = 2 := by admit",
    "sorry-ax": "example : 1 = 2 := sorryAx _ false",
    # warn.sorry exists from v4.22: older versions reject the option, which fails.
    "warn-sorry": "set_option warn.sorry false in\nexample : 1 = 2 := sorry",
}


def test_examples_are_audited_like_theorems(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": key, "code": code} for key, code in EXAMPLE_CHEATS.items()]
    rows.append({"id": "honest", "code": "example : 2 + 2 = 4 := rfl\n\nexample : True := ⟨⟩"})
    run = check_rows(real_repl, rows, tmp_path)
    for key in EXAMPLE_CHEATS:
        assert run.status(key) in ("sorry", "fail"), (key, run.results[key])
    assert run.status("honest") == "pass", run.results["honest"]
    assert set(run.results["honest"]["axioms"]) == {"example (line 1)", "example (line 3)"}


def test_a_named_example_reports_lean_s_messages_where_lean_does(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    # The same snippet sent as written (--no-audit) and with its examples named: the same
    # messages at the same places.
    code = "theorem ok : True := trivial\n\nexample : 1 = 2 := rfl  example : 3 = 4 := by decide"
    rows = [{"id": "e", "code": code}]
    (tmp_path / "plain").mkdir()
    (tmp_path / "named").mkdir()
    plain = check_rows(real_repl, rows, tmp_path / "plain", "--no-audit")
    named = check_rows(real_repl, rows, tmp_path / "named")
    assert plain.status("e") == named.status("e") == "fail"
    assert named.results["e"]["messages"] == plain.results["e"]["messages"]


def test_guard_msgs_cannot_hide_an_error(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [
        {"id": "drop", "code": "#guard_msgs (drop error) in\ntheorem t : 1 = 2 := by simp"},
        {
            "id": "expected",
            "code": "/-- error: unsolved goals\n⊢ False -/\n#guard_msgs in\n"
            "theorem t : False := by skip",
        },
        {"id": "info", "code": "/-- info: 4 -/\n#guard_msgs in\n#eval 2 + 2"},
    ]
    run = check_rows(real_repl, rows, tmp_path, "--allow-eval")
    assert run.status("drop") == "fail" and "#guard_msgs" in str(run.results["drop"]["error"])
    assert run.status("expected") == "fail", run.results["expected"]
    assert run.status("info") == "pass", run.results["info"]


STATEMENT = "theorem t (n : Nat) : n + 0 = n := by"


def test_the_statement_check_reads_the_constant_raw_up_to_bound_names(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    rows = [
        {"id": "renamed-binder", "code": "theorem t (m : Nat) : m + 0 = m := by simp"},
        {
            "id": "variable",
            "code": "variable (t : ∀ n : Nat, n + 0 = n)\n\ntheorem t (n : Nat) : n = n := rfl",
        },
        {
            # A delaborator that prints 4 as 5: even under pp.all `#check` would show the
            # (false) statement; the raw print shows the `Expr`.
            "id": "delab",
            "statement": "theorem t : 2 + 2 = 5 := by",
            "code": "import Lean\n\nopen Lean PrettyPrinter Delaborator SubExpr in\n"
            "@[delab app.OfNat.ofNat] def five : Delab := do\n"
            "  let e ← getExpr\n"
            "  if e.getAppNumArgs == 3 && e.appFn!.appArg!.rawNatLit? == some 4 then `(5)"
            " else failure\n\n"
            "theorem t : 2 + 2 = 4 := by decide",
        },
    ]
    for row in rows:
        row.setdefault("statement", STATEMENT)
    run = check_rows(real_repl, rows, tmp_path, "--statement-field", "statement", "--no-audit")
    assert run.status("renamed-binder") == "pass", run.results["renamed-binder"]
    for key in ("variable", "delab"):
        assert run.status(key) == "fail", run.results[key]
        assert str(run.results[key]["error"]).startswith("statement changed"), run.results[key]
