"""Unnamed instances audited like examples (issue 25, item 1; found by the adversarial
review of issue 25): Lean names an unnamed `instance` itself (`mkInstanceName`,
Lean/Elab/DeclUtil.lean), a name the text does not show, so the audit gives it one of
its own, after the keyword and any `(priority := ...)` (`instance (priority := p)?
declId? declSig`, Lean/Parser/Command.lean).

The end-to-end cases run on the tests' REPL with `--model` (tests/helpers/fake_repl.py),
which answers `sorry` under `set_option warn.sorry false` as the issue saw Lean do: no
warning and no sorry listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leancli.verdict.examples import name_examples, restore_positions
from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl


def test_each_unnamed_instance_gets_a_name_after_its_keyword_and_priority() -> None:
    body = (
        "instance : Inhabited Nat := ⟨0⟩\n"
        "instance (priority := low) [Inhabited α] : Inhabited (List α) := ⟨[]⟩\n"
        "local instance /- c -/ {α} : Inhabited (Option α) := ⟨none⟩\n"
        "instance named : Inhabited Int := ⟨0⟩\n"
        "@[instance] def f : Inhabited Bool := ⟨true⟩\n"
        "attribute [local instance] f\n"
        "attribute [instance (100)] f\n"
        "deriving instance Repr for Foo\n"
        '-- instance : x\ndef s := "instance : x"'
    )
    named = name_examples(body)
    assert named.text.splitlines() == [
        "instance leancli_instance_1 : Inhabited Nat := ⟨0⟩",
        "instance (priority := low) leancli_instance_2 [Inhabited α] : Inhabited (List α) := ⟨[]⟩",
        "local instance leancli_instance_3 /- c -/ {α} : Inhabited (Option α) := ⟨none⟩",
        *body.splitlines()[3:],
    ]
    assert named.label("N.leancli_instance_2", offset=10) == "instance (line 12)"
    assert named.labelled({"leancli_instance_3": ["sorryAx"]}, 0) == {
        "instance (line 3)": ["sorryAx"]
    }


def test_positions_after_an_instance_name_read_back_as_written() -> None:
    body = "example : True := trivial; instance : Inhabited Nat := ⟨by simp⟩"
    named = name_examples(body)
    answer: list[dict[str, Any]] = [
        {"pos": {"line": 1, "column": named.text.index("by simp")}, "data": "x"},
        {"pos": {"line": 1, "column": named.text.index("leancli_instance_1")}, "data": "y"},
    ]
    restored = restore_positions(answer, named)
    assert restored[0]["pos"]["column"] == body.index("by simp")
    assert restored[1]["pos"]["column"] == body.index(" : Inhabited")


UNNAMED_INSTANCES = {
    "set_option": "set_option warn.sorry false\ninstance : Inhabited (1 = 2) := ⟨sorry⟩",
    "set_option_in": "set_option warn.sorry false in\ninstance : Inhabited (1 = 2) := ⟨sorry⟩",
    "priority": (
        "set_option warn.sorry false in\ninstance (priority := low) : Inhabited (1 = 2) := ⟨sorry⟩"
    ),
}


@pytest.mark.parametrize("code", UNNAMED_INSTANCES.values(), ids=UNNAMED_INSTANCES.keys())
def test_a_sorry_under_warn_sorry_false_in_an_unnamed_instance_is_not_a_pass(
    tmp_path: Path, code: str
) -> None:
    # Issue 25 item 1: "`#guard_msgs` with `drop` and `set_option warn.sorry` cannot hide
    # a sorry or an error"; an `example` with this body is `sorry`, and so is the same
    # body as an unnamed `instance`, its axioms printed under the audit's name.
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "inst", "code": code}])
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND)
    results = read_jsonl(done.stdout)
    assert [r["status"] for r in results] == ["sorry"], results
    assert "sorryAx" in results[0]["axioms"]["instance (line 2)"], results


def test_an_honest_unnamed_instance_passes_with_its_axioms(tmp_path: Path) -> None:
    code = "instance (priority := low) : Inhabited Nat := ⟨0⟩"
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "inst", "code": code}])
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND)
    results = read_jsonl(done.stdout)
    assert [r["status"] for r in results] == ["pass"], results
    assert "instance (line 1)" in results[0]["axioms"], results
