"""Issue 25, item 7: the statement check asks for the declared constant itself, in a print
no user code can change, and compares statements up to the names of bound variables.

The prints below are in the form of Lean's kernel printer, `src/library/print.cpp`
(`print_binding`: `forall (x : A), B`, `fun (x : A) => b`, `{x}`, `[x]`, `{{x}}`;
`A -> B`; `print_let`: `let x : A := v; b`; `print_const`: `c.{u, v}`; projections
`e.1`), which `pp.raw` uses (`Lean/Util/PPExt.lean`, `ppExprWithInfos`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leancli.verdict.statement import canonical, check_command, same_statement
from tests.helpers.common import read_jsonl, run_leancli, write_jsonl

ADD_ZERO = (
    "t : forall (VAR : Nat), Eq.{1} Nat (HAdd.hAdd.{0, 0, 0} Nat Nat Nat "
    "(instHAdd.{0} Nat instAddNat) VAR (OfNat.ofNat.{0} Nat 0 (instOfNatNat 0))) VAR"
)


def _add_zero(name: str) -> str:
    return ADD_ZERO.replace("VAR", name)


def test_the_check_names_the_constant_and_prints_the_raw_expr() -> None:
    assert check_command("N.t") == "set_option pp.raw true in #check @_root_.N.t"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (_add_zero("n"), _add_zero("m")),
        (_add_zero("n"), _add_zero("n_1")),
        (
            "t : forall {α : Type.{u}} [inst : Inhabited.{u+1} α] (f : forall (x : α), α), "
            "Eq.{u+1} α (f (Inhabited.default.{u+1} α inst)) (f (f x_free))",
            "t : forall {β : Type.{u}} [i : Inhabited.{u+1} β] (g : forall (y : β), β), "
            "Eq.{u+1} β (g (Inhabited.default.{u+1} β i)) (g (g x_free))",
        ),
        (
            "t : Eq.{1} Nat (let x : Nat := fun (y : Nat) => y; x.1) 0",
            "t : Eq.{1} Nat (let z : Nat := fun (w : Nat) => w; z.1) 0",
        ),
    ],
)
def test_statements_equal_up_to_bound_names_are_the_same(left: str, right: str) -> None:
    assert left != right and same_statement(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # Another constant, another universe, another binder annotation.
        (_add_zero("n"), _add_zero("n").replace("0 (inst", "1 (inst")),
        ("t.{u} : forall (x : Sort.{u}), x", "t.{v} : forall (x : Sort.{v}), x"),
        ("t : forall (p : Prop), p", "t : forall {p : Prop}, p"),
        # Two binders swapped: `x` and `y` are bound where they are, not by name.
        (
            "t : forall (x : Nat) (y : Nat), LE.le.{0} Nat instLENat x y",
            "t : forall (y : Nat) (x : Nat), LE.le.{0} Nat instLENat x y",
        ),
        # A free name is a constant: it is compared as written.
        ("t : forall (x : Nat), P x", "t : forall (x : Nat), P y"),
        (None, None),
    ],
)
def test_other_statements_differ(left: str | None, right: str | None) -> None:
    assert not same_statement(left or "t : True", right)


def test_a_binder_is_bound_only_in_its_scope() -> None:
    printed = "t : And (forall (x : Nat), P x) (Q x)"
    assert canonical(printed) == "t : And ( forall ( _b0 : Nat ) , P _b0 ) ( Q x )"


# --- end to end, through the simulated REPL's model of Lean ------------------------------


def _run(tmp_path: Path, fake_repl: str, rows: list[dict[str, Any]], *args: str) -> list[Any]:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", fake_repl, *args)
    assert done.returncode in (0, 1), done.stderr
    return sorted(read_jsonl(done.stdout), key=lambda result: result["line"])  # as given


STATEMENT = "theorem t (n : Nat) : n + 0 = n := by"


def test_a_renamed_bound_variable_keeps_the_statement(tmp_path: Path, fake_repl: str) -> None:
    rows = [
        {"statement": STATEMENT, "code": "theorem t (m : Nat) : m + 0 = m := by\n  simp"},
        {"statement": STATEMENT, "code": "theorem t (m : Nat) : m + 0 = n := by\n  simp"},
    ]
    renamed, changed = _run(tmp_path, fake_repl, rows, "--statement-field", "statement")
    assert renamed["status"] == "pass", renamed
    assert changed["status"] == "fail" and changed["error"].startswith("statement changed")


def test_a_variable_of_the_theorem_s_name_is_not_it(tmp_path: Path, fake_repl: str) -> None:
    statement = "theorem cv : 2 + 2 = 4 := by"
    code = "variable (cv : 2 + 2 = 4)\n\ntheorem cv : 2 + 2 = 5 := by\n  sorry"
    rows = [{"statement": statement, "code": code.replace("sorry", "simp")}]
    [row] = _run(tmp_path, fake_repl, rows, "--statement-field", "statement", "--no-audit")
    assert row["status"] == "fail", row
    assert "2 + 2 = 5" in row["error"] and row["error"].startswith("statement changed")
