"""LeanParanoia's exploit suite (tests/data/leanparanoia, MIT), each file answered as a
real Lean answers it, end to end through the simulated REPL.

The simulated REPL (`--model`) already answers as Lean does for what it models (`sorry`,
`native_decide`, declarations, `#print axioms`); `answers.json` adds, per file, what
Lean says that it does not model (`admit` and the `debug.*AsSorry` options elaborate to
`sorryAx`; the kernel rejects a non-positive inductive), as the fake REPL's cue lines.
A file's `import LeanTestProject...` lines are inlined: a snippet is one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.common import read_jsonl, run_leancli, write_jsonl
from tests.helpers.leanparanoia import ANSWERS, snippet


def _check(
    tmp_path: Path, fake_repl: str, rows: list[dict[str, Any]], *args: str
) -> dict[str, Any]:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", fake_repl, "-w", "2", *args)
    assert done.returncode in (0, 1), done.stderr
    return {row["id"]: row for row in read_jsonl(done.stdout)}


def test_every_exploit_is_answered_as_lean_answers_it_and_every_valid_file_passes(
    tmp_path: Path, fake_repl: str
) -> None:
    rows = [{"id": path, "code": snippet(path)} for path in ANSWERS]
    results = _check(tmp_path, fake_repl, rows)
    found = {path: results[path]["status"] for path in ANSWERS}
    wanted = {path: answer["status"] for path, answer in ANSWERS.items()}
    assert found == wanted, {p: results[p].get("error") for p in ANSWERS if found[p] != wanted[p]}


# What `#print axioms` shows for a `native_decide` proof, by Lean version (lean4#8840,
# #8842, #12217; `Lean/Meta/Native.lean`): the compiler's axioms, then one auxiliary
# axiom per use named after the declaration.
NATIVE_AXIOMS_BY_VERSION = {
    "v4.22": ["Lean.ofReduceBool"],
    "v4.25": ["Lean.ofReduceBool", "Lean.trustCompiler"],
    "v4.29": ["exploit_theorem._native.native_decide.ax_1_1"],
}


@pytest.mark.parametrize("version", NATIVE_AXIOMS_BY_VERSION)
def test_native_decide_fails_by_default_and_passes_when_allowed_on_every_version(
    tmp_path: Path, fake_repl: str, version: str
) -> None:
    axioms = ",".join(NATIVE_AXIOMS_BY_VERSION[version])
    code = snippet("NativeComputation/NativeDecide.lean") + (
        f"-- fake: axioms exploit_theorem={axioms}\n"
    )
    rows = [{"id": "native", "code": code}]
    [refused] = _check(tmp_path, fake_repl, rows).values()
    assert refused["status"] == "fail" and "native_decide is not allowed" in refused["error"]
    [allowed] = _check(tmp_path, fake_repl, rows, "--allow-native-decide").values()
    assert allowed["status"] == "pass", allowed


def test_allow_native_decide_admits_only_the_declarations_own_auxiliary_axiom(
    tmp_path: Path, fake_repl: str
) -> None:
    # An axiom named like another declaration's auxiliary is not this one's.
    code = (
        "theorem t : 2 + 2 = 4 := by native_decide\n"
        "-- fake: axioms t=other._native.native_decide.ax_1_1\n"
    )
    [result] = _check(
        tmp_path, fake_repl, [{"id": "x", "code": code}], "--allow-native-decide"
    ).values()
    assert result["status"] == "fail" and "other._native" in result["error"]


def test_lemma_without_mathlib_is_an_identifier_not_a_declaration(
    tmp_path: Path, fake_repl: str
) -> None:
    code = "theorem t (lemma : Nat → Prop) (h : Nat) (hl : lemma h) : lemma h := hl"
    [result] = _check(tmp_path, fake_repl, [{"id": "x", "code": code}]).values()
    assert result["status"] == "pass", result
    assert list(result["axioms"]) == ["t"]
