"""Issue 15's honest proofs and cheats, end to end through the simulated REPL.

The simulated REPL prints `#print axioms` and `#check` as `leancli/simulated/printing.py`
models them on Lean's `src/Lean/Elab/Print.lean` (names relative to the open namespaces
unless `pp.fullNames`, private names mangled, guillemets only where needed, long lists
wrapped, reported at the `#print` token or, as older Lean, over the whole command) and on
`elabCheckCore` (`#check @NAME` reported at the `#check` token).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.common import read_jsonl, run_leancli, write_jsonl

HONEST = {
    "private": "private theorem priv_two : 1 + 1 = 2 := rfl",
    # Printed `choice` after `open Classical` without pp.fullNames.
    "open-classical": (
        "open Classical\n\ntheorem uses_choice (p : Prop) : p ∨ ¬p := em p\n\n"
        "noncomputable def pick (α : Type) [h : Nonempty α] : α := choice h"
    ),
    "guillemets": "theorem «two is two» : 2 = 2 := rfl\n\ntheorem «foo» : True := trivial",
    "namespace": (
        "namespace Geometry\n\ntheorem square_nonneg (n : Nat) : 0 ≤ n * n := Nat.zero_le _\n\n"
        "end Geometry"
    ),
    # A list longer than Lean's width of 120 is wrapped over lines.
    "wrapped": (
        "-- fake: axioms a_theorem_with_a_really_quite_long_name_to_wrap_the_list="
        "propext,Classical.choice,Quot.sound,MyAxiomWithALongName\n"
        "theorem a_theorem_with_a_really_quite_long_name_to_wrap_the_list : True := trivial"
    ),
}


def _run(
    tmp_path: Path, fake_repl: str, rows: list[dict[str, Any]], *args: str, **env: str
) -> dict[str, dict[str, Any]]:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", fake_repl, *args, env=env or None)
    assert done.returncode in (0, 1), done.stderr
    return {row["id"]: row for row in read_jsonl(done.stdout)}


@pytest.mark.parametrize("report_at", ["token", "command"])
def test_honest_declarations_pass_the_audit(tmp_path: Path, fake_repl: str, report_at: str) -> None:
    rows = [{"id": key, "code": code} for key, code in HONEST.items()]
    results = _run(
        tmp_path,
        fake_repl,
        rows,
        "--allow-axiom",
        "MyAxiomWithALongName",
        FAKE_REPL_REPORT_AT=report_at,
    )
    assert {key: r["status"] for key, r in results.items()} == dict.fromkeys(HONEST, "pass"), (
        results
    )
    assert results["private"]["axioms"] == {
        "priv_two": ["propext", "Classical.choice", "Quot.sound"]
    }
    assert "Classical.choice" in results["open-classical"]["axioms"]["pick"]
    assert set(results["guillemets"]["axioms"]) == {"«two is two»", "«foo»"}
    assert set(results["namespace"]["axioms"]) == {"Geometry.square_nonneg"}
    [wrapped] = results["wrapped"]["axioms"].values()
    assert "MyAxiomWithALongName" in wrapped


CHEATS = {
    "skip-kernel-guillemets": (
        "set_option «debug».«skipKernelTC» true\n\ntheorem unchecked : 2 + 2 = 4 := rfl",
        "skipKernelTC",
        1,
    ),
    "add-decl-guillemets": (
        "import Lean\n\nopen Lean in\ndef f := Lean.Kernel.Environment.«addDeclWithoutChecking»",
        "addDeclWithoutChecking",
        4,
    ),
    "command-macro": (
        'macro "#print" "axioms" _x:ident : command => `(#check 1)\ntheorem t : 1 = 2 := sorry',
        "command-level `macro`",
        1,
    ),
    "eval": ('#eval IO.getEnv "HOME"\ntheorem t : True := trivial', "`#eval`", 1),
    "run-tac": ("theorem t : True := by\n  run_tac pure ()", "`run_tac`", 2),
    "native-decide-example": ("example : 1 = 2 := by native_decide", "`native_decide`", 1),
}


def test_cheats_are_refused_naming_the_construct_and_its_line(
    tmp_path: Path, fake_repl: str
) -> None:
    rows = [{"id": key, "code": code} for key, (code, _, _) in CHEATS.items()]
    results = _run(tmp_path, fake_repl, rows)
    for key, (_, construct, line) in CHEATS.items():
        error = results[key]["error"]
        assert results[key]["status"] == "fail" and error.startswith("refused"), results[key]
        assert construct in error and f"(line {line})" in error, results[key]


def test_allow_eval_and_allow_native_decide_admit_their_construct(
    tmp_path: Path, fake_repl: str
) -> None:
    rows = [
        {"id": "eval", "code": "#eval 1\ntheorem t : True := trivial"},
        {"id": "native", "code": "example : 2 + 2 = 4 := by native_decide"},
    ]
    refused = _run(tmp_path, fake_repl, rows)
    assert {r["status"] for r in refused.values()} == {"fail"}
    admitted = _run(tmp_path, fake_repl, rows, "--allow-eval", "--allow-native-decide")
    assert {key: r["status"] for key, r in admitted.items()} == {"eval": "pass", "native": "pass"}


STATEMENT = "theorem t (n : Nat) : n + 0 = n := by"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("theorem t (n : Nat) : n + 0 = n := by\n  simp", "pass"),
        # Reformatted, same statement: Lean's type is the same.
        ("theorem t (n : Nat) :\n    n + 0 =\n      n := by simp", "pass"),
        # Same text, another meaning: notation declared before the theorem.
        ('local notation "n + 0" => 0\ntheorem t (n : Nat) : n + 0 = n := by simp', "fail"),
        ("theorem t (n : Nat) : n = n := rfl", "fail"),
        ("theorem u (n : Nat) : n + 0 = n := by simp", "fail"),  # declares no `t`
    ],
)
def test_the_statement_is_checked_by_its_elaborated_type(
    tmp_path: Path, fake_repl: str, code: str, status: str
) -> None:
    rows = [{"id": "x", "statement": STATEMENT, "code": code}]
    [result] = _run(tmp_path, fake_repl, rows, "--statement-field", "statement").values()
    assert result["status"] == status, result
    if status == "fail":
        assert result["error"].startswith("statement changed"), result


def test_the_preamble_is_the_header_field_or_the_one_named(tmp_path: Path, fake_repl: str) -> None:
    # The reference is read under the preamble: with the notation there, the snippet that
    # declares it too keeps the statement; without, it does not.
    notation = 'local notation "n + 0" => 0'
    code = f"{notation}\ntheorem t (n : Nat) : n + 0 = n := by simp"
    rows = [
        {"id": "header", "statement": STATEMENT, "header": notation, "code": code},
        {"id": "named", "statement": STATEMENT, "pre": notation, "code": code},
        {"id": "none", "statement": STATEMENT, "code": code},
    ]
    by_header = _run(tmp_path, fake_repl, rows, "--statement-field", "statement")
    assert {k: r["status"] for k, r in by_header.items()} == {
        "header": "pass",
        "named": "fail",
        "none": "fail",
    }
    by_name = _run(
        tmp_path, fake_repl, rows[1:2], "--statement-field", "statement", "--preamble-field", "pre"
    )
    assert by_name["named"]["status"] == "pass", by_name
