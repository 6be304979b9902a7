"""Against a real Lean REPL: the axiom audit passes honest proofs and fails cheats.

Skipped (with the reason) unless discovery finds a real REPL: see tests/helpers/lean_tier.py.
The honest cases are those where Lean's `#print axioms` prints a name other than the one
written (`Lean/Elab/Print.lean`): private names are mangled, names are printed relative
to the open namespaces, guillemets appear only where needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.lean_tier import RealRepl, check_rows, real_repl_or_skip

pytestmark = pytest.mark.lean


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    return real_repl_or_skip()


HONEST = {
    "private": "private theorem priv_two : 1 + 1 = 2 := rfl",
    "open-classical": (
        "open Classical\n\n"
        "theorem uses_choice (p : Prop) : p ∨ ¬p := em p\n\n"
        "noncomputable def pick (α : Type) [h : Nonempty α] : α := choice h"
    ),
    "guillemets": "theorem «two is two» : 2 = 2 := rfl\n\ntheorem «1st» : True := trivial",
    "namespace": (
        "namespace Geometry\n\n"
        "theorem square_nonneg (n : Nat) : 0 ≤ n * n := Nat.zero_le _\n\n"
        "namespace Inner\ntheorem deep : True := trivial\nend Inner\n\n"
        "end Geometry"
    ),
    "instance": (
        "structure Point where\n  x : Nat\n  y : Nat\n\n"
        "instance instInhabitedPoint : Inhabited Point := ⟨⟨0, 0⟩⟩\n\n"
        "instance : Add Point := ⟨fun p q => ⟨p.x + q.x, p.y + q.y⟩⟩"
    ),
}


def test_honest_declarations_pass_the_audit(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": key, "code": code} for key, code in HONEST.items()]
    run = check_rows(real_repl, rows, tmp_path)
    assert run.statuses() == dict.fromkeys(HONEST, "pass"), run.results
    for key in HONEST:
        audited = run.results[key].get("axioms")
        assert isinstance(audited, dict) and audited, (key, run.results[key])
        assert not any(name.startswith("_private") for name in audited), audited
    # Printed as `choice` after `open Classical` by recent Lean: recorded by its full name.
    used = {
        axiom for axioms in run.results["open-classical"]["axioms"].values() for axiom in axioms
    }
    assert "Classical.choice" in used, run.results["open-classical"]


CHEATS = {
    "axiom-false": "axiom cheat : False\n\ntheorem one_eq_two : 1 = 2 := cheat.elim",
    "skip-kernel-guillemets": (
        "set_option «debug».«skipKernelTC» true\n\ntheorem unchecked : 2 + 2 = 4 := rfl"
    ),
    # True here, but native_decide trusts compiled code, and an example is never audited.
    "native-decide-example": "example : 2 + 2 = 4 := by native_decide",
    # A command elaborator could give `#print axioms` another meaning.
    "command-elab": (
        "import Lean\n\nopen Lean Elab Command in\n"
        'elab "#fake_audit" : command => logInfo "no axioms"\n\n'
        "theorem honest : True := trivial"
    ),
}
# What each refusal must name.
CONSTRUCTS = {
    "axiom-false": "axiom",
    "skip-kernel-guillemets": "skipkerneltc",
    "native-decide-example": "`native_decide`",
    "command-elab": "`elab`",
}
# The line each refusal names (the axiom is judged by the audit, not refused by line).
LINES = {"skip-kernel-guillemets": 1, "native-decide-example": 1, "command-elab": 4}


def test_cheats_that_lean_accepts_fail_the_audit(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": key, "code": code} for key, code in CHEATS.items()]
    (tmp_path / "lean").mkdir()
    (tmp_path / "audit").mkdir()
    lean_alone = check_rows(real_repl, rows, tmp_path / "lean", "--no-audit")
    for key in ("axiom-false", "native-decide-example", "command-elab"):
        assert lean_alone.status(key) == "pass", (key, lean_alone.results[key])
    audited = check_rows(real_repl, rows, tmp_path / "audit")
    assert audited.statuses() == dict.fromkeys(CHEATS, "fail"), audited.results
    for key, construct in CONSTRUCTS.items():
        assert construct in str(audited.results[key]["error"]).lower(), audited.results[key]
    for key, line in LINES.items():
        assert f"(line {line})" in str(audited.results[key]["error"]), audited.results[key]


def test_eval_is_refused_unless_allowed(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": "eval", "code": "#eval 1 + 1\n\ntheorem t : True := trivial"}]
    (tmp_path / "refused").mkdir()
    refused = check_rows(real_repl, rows, tmp_path / "refused")
    assert refused.status("eval") == "fail" and "#eval" in str(refused.results["eval"]["error"])
    (tmp_path / "allowed").mkdir()
    assert (
        check_rows(real_repl, rows, tmp_path / "allowed", "--allow-eval").status("eval") == "pass"
    )


STATEMENT = "theorem t (n : Nat) : n + 0 = n := by"


def test_the_statement_is_checked_by_its_elaborated_type(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    rows = [
        {"id": "kept", "statement": STATEMENT, "code": f"{STATEMENT}\n  simp"},
        {
            "id": "reformatted",
            "statement": STATEMENT,
            "code": "theorem t (n : Nat) :\n    n + 0 = n := by simp",
        },
        {"id": "weakened", "statement": STATEMENT, "code": "theorem t (n : Nat) : n = n := rfl"},
        # Same text, another meaning: `+` is now another function.
        {
            "id": "shadowed",
            "statement": STATEMENT,
            "code": "instance (priority := high) myAdd : HAdd Nat Nat Nat := ⟨fun a _ => a⟩\n\n"
            f"{STATEMENT}\n  rfl",
        },
        {
            "id": "renamed",
            "statement": STATEMENT,
            "code": "theorem u (n : Nat) : n + 0 = n := by simp",
        },
    ]
    run = check_rows(real_repl, rows, tmp_path, "--statement-field", "statement")
    assert run.statuses() == {
        "kept": "pass",
        "reformatted": "pass",
        "weakened": "fail",
        "shadowed": "fail",
        "renamed": "fail",
    }, run.results
    for key in ("weakened", "shadowed", "renamed"):
        assert str(run.results[key]["error"]).startswith("statement changed"), run.results[key]


def test_native_decide_passes_when_allowed(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": "native", "code": CHEATS["native-decide-example"]}]
    run = check_rows(real_repl, rows, tmp_path, "--allow-native-decide")
    assert run.status("native") == "pass", run.results


def test_a_silenced_sorry_warning_is_still_no_pass(real_repl: RealRepl, tmp_path: Path) -> None:
    # warn.sorry exists in recent Lean only; older versions reject the option (a fail).
    rows = [
        {"id": "quiet", "code": "set_option warn.sorry false in\ntheorem quiet : 1 = 2 := sorry"}
    ]
    run = check_rows(real_repl, rows, tmp_path)
    assert run.status("quiet") in {"sorry", "fail"}, run.results
