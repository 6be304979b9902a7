"""Issue 25, item 1: a snippet's examples get the same audit as its theorems, and
`#guard_msgs` cannot hide an error or a warning.

Follows Lean's sources: `Lean/Elab/MutualDef.lean` (`elabMutualDef`: an example is the
`def` path under `withoutModifyingEnv`, so naming it keeps its elaboration), and
`Lean/Elab/GuardMsgs.lean` (`parseGuardMsgsSpec`: no specification checks everything, the
first element naming a severity decides, none passes it through; `elabGuardMsgs` removes
dropped messages and checked ones the doc comment expects, `error:` / `warning:`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leancli.verdict.examples import name_examples, restore_positions
from leancli.verdict.guards import guard_refusals
from tests.helpers.common import read_jsonl, run_leancli, write_jsonl


def test_each_example_keyword_becomes_a_named_def_and_nothing_else_does() -> None:
    body = (
        "namespace N\n"
        "example : True := trivial -- example\n"
        '/- example -/ example:False:=sorry; def example\' := "example"\n'
        "theorem Foo.example : True := trivial\n"
        "theorem «example» : True := trivial\n"
        "noncomputable example : Nat := example.foo\n"
        "end N"
    )
    named = name_examples(body)
    assert named.text.splitlines() == [
        "namespace N",
        "def leancli_example_1 : True := trivial -- example",
        '/- example -/ def leancli_example_2:False:=sorry; def example\' := "example"',
        "theorem Foo.example : True := trivial",
        "theorem «example» : True := trivial",
        "noncomputable def leancli_example_3 : Nat := example.foo",
        "end N",
    ]
    assert named.label("N.leancli_example_2", offset=10) == "example (line 13)"
    assert named.labelled({"N.leancli_example_3": []}, 0) == {"example (line 6)": []}
    assert named.label("N.other") == "N.other"


def test_a_fresh_name_is_never_one_the_snippet_uses() -> None:
    named = name_examples("def leancli_example_1 := 1\nexample : leancli_example_1 = 1 := rfl")
    assert "def leancli_example_1_ : leancli_example_1 = 1" in named.text


def test_positions_read_back_as_in_the_text_as_written() -> None:
    body = "example : True := trivial; example : 1 = 2 := by simp"
    named = name_examples(body)
    second = named.text.index("def leancli_example_2")
    at_simp = named.text.index("simp")
    answer: list[dict[str, Any]] = [
        {"pos": {"line": 1, "column": second + 4}, "endPos": {"line": 1, "column": at_simp + 4}},
        {"pos": {"line": 1, "column": 0}, "data": "'leancli_example_1' fails"},
    ]
    restored = restore_positions(answer, named)
    assert restored[0]["pos"]["column"] == body.index("example : 1")
    assert restored[0]["endPos"]["column"] == body.index("simp") + 4
    assert restored[1]["data"] == "'_example' fails"
    assert answer[1]["data"] == "'leancli_example_1' fails"  # the input is left as it was


@pytest.mark.parametrize(
    ("body", "hides"),
    [
        ("#guard_msgs (drop warning) in\nexample : False := sorry", "warnings"),
        ("#guard_msgs(drop error)in theorem x : False := by simp", "errors"),
        ("#guard_msgs (drop all) in\ntheorem x : False := by simp", "errors"),
        ("#guard_msgs (error, drop all) in\ntheorem x : False := sorry", "warnings"),
        ("/-- error: unsolved goals -/\n#guard_msgs in\ntheorem x : False := by simp", "error"),
        (
            "/--\nwarning: declaration uses 'sorry'\n-/\n#guard_msgs in\nexample : 1 = 2 := sorry",
            "",
        ),
    ],
)
def test_a_guard_that_drops_or_expects_errors_or_warnings_is_refused(body: str, hides: str) -> None:
    [why] = guard_refusals(body, offset=4)
    assert hides in why and "(line " in why


@pytest.mark.parametrize(
    "body",
    [
        "/-- info: 4 -/\n#guard_msgs in\n#eval 2 + 2",
        "#guard_msgs (drop info) in\n#eval 2 + 2",
        "#guard_msgs (pass error, pass warning, drop all) in\n#check 1",
        "-- #guard_msgs (drop all) in\ntheorem t : True := trivial",
        '#check "#guard_msgs (drop all) in"',
    ],
)
def test_a_guard_that_leaves_errors_and_warnings_to_lean_is_kept(body: str) -> None:
    assert guard_refusals(body) == []


# --- end to end, through the simulated REPL's model of Lean ------------------------------


def _run(tmp_path: Path, fake_repl: str, codes: dict[str, str], *args: str) -> dict[str, Any]:
    rows = [{"id": key, "code": code} for key, code in codes.items()]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", fake_repl, *args)
    assert done.returncode in (0, 1), done.stderr
    return {row["id"]: row for row in read_jsonl(done.stdout)}


CHEATING_EXAMPLES = {
    "admit": "example : 1 = 2 := by admit",
    "sorryAx": "example : 1 = 2 := sorryAx _ false",
    "warn-sorry": "set_option warn.sorry false in\nexample : 1 = 2 := sorry",
    "warn-sorry-global": "set_option warn.sorry false\n\nexample : 1 = 2 := by\n  sorry",
    "namespaced": "namespace N\nexample : 1 = 2 := by admit\nend N",
}


def test_examples_are_audited_like_theorems(tmp_path: Path, fake_repl: str) -> None:
    results = _run(tmp_path, fake_repl, CHEATING_EXAMPLES)
    for key, row in results.items():
        assert row["status"] == "sorry", (key, row)
        assert "`example (line " in row["error"] and "`sorryAx`" in row["error"], row
    [(label, axioms)] = results["namespaced"]["axioms"].items()
    assert label == "example (line 2)" and "sorryAx" in axioms


def test_an_honest_example_passes_with_its_axioms(tmp_path: Path, fake_repl: str) -> None:
    codes = {"honest": "theorem t : True := trivial\n\nexample : 2 = 2 := rfl"}
    [row] = _run(tmp_path, fake_repl, codes).values()
    assert row["status"] == "pass", row
    assert set(row["axioms"]) == {"t", "example (line 3)"}


def test_guard_msgs_cannot_hide_an_error_or_a_sorry(tmp_path: Path, fake_repl: str) -> None:
    codes = {
        "drop-error": "#guard_msgs (drop error) in\ntheorem t : 1 = 2 := by\n  -- fake: error",
        "drop-warning": "#guard_msgs (drop warning) in\ntheorem t : 1 = 2 := sorry",
        "kept": "/-- info: 4 -/\n#guard_msgs in\n#check 4\n\ntheorem t : True := trivial",
    }
    for args in ((), ("--no-audit",)):
        results = _run(tmp_path, fake_repl, codes, *args)
        for key in ("drop-error", "drop-warning"):
            assert results[key]["status"] == "fail", results[key]
            assert results[key]["error"].startswith("refused: `#guard_msgs` dropping")
            assert "(line 1)" in results[key]["error"]
        assert results["kept"]["status"] == "pass", results["kept"]


def test_an_example_s_native_computation_is_judged_by_its_axioms(
    tmp_path: Path, fake_repl: str
) -> None:
    # What Lean answers for a native path no text refusal sees (a `decide` config built
    # in a `def`, say): the compiler's axiom, under the example's own name.
    code = "-- fake: axioms example=propext,Lean.ofReduceBool\nexample : True := trivial"
    refused = _run(tmp_path, fake_repl, {"native": code})["native"]
    assert refused["status"] == "fail", refused
    assert "`example (line 2)` depends on axiom `Lean.ofReduceBool`" in refused["error"]
    allowed = _run(tmp_path, fake_repl, {"native": code}, "--allow-native-decide")["native"]
    assert allowed["status"] == "pass", allowed
