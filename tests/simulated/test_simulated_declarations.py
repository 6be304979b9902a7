"""The tests' REPL declares what real Lean declares (found by the adversarial review of
issue 25): modifiers Lean's `declModifiers` allows before the keyword on its line
(Lean/Parser/Command.lean), such as an attribute, do not hide the declaration."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl


def test_an_attribute_on_the_declarations_line_does_not_hide_it_from_the_simulated_repl(
    tmp_path: Path,
) -> None:
    # Issue 25 item 1 ("A snippet's examples get the same audit as its theorems") with
    # `@[simp] example`, a spelling Lean accepts: real Lean declares `@[simp] theorem foo`
    # and `@[simp] def leancli_example_1` as usual, so `#print axioms` finds them.
    rows = [
        {"id": "theorem", "code": "@[simp] theorem foo : 1 + 1 = 2 := rfl"},
        {"id": "example", "code": "@[simp] example : 1 + 1 = 2 := rfl"},
        {"id": "modifiers", "code": "@[simp, reducible] private def two : Nat := 2"},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND)
    results = {r["id"]: r for r in read_jsonl(done.stdout)}
    assert {k: r["status"] for k, r in results.items()} == {
        "theorem": "pass",
        "example": "pass",
        "modifiers": "pass",
    }, results
