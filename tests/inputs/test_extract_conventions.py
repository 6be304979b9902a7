"""--extract against the prover conventions the docs say it matches (issue 23 item 1;
regressions found by adv-trainers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.inputs.extract import ExtractError, extract
from leancli.inputs.items import InputSpec, InvalidLine, parse_line
from tests.helpers.common import FAKE_REPL_COMMAND, check_rows

FENCE = "`" * 3
FILE = "import Mathlib\n\ntheorem t1 : 2 + 2 = 4 := by\n  norm_num"


def kimina_extract_proof_from_text(output: str) -> str:
    """Kimina-Prover's extraction, as its code has it (the last ```lean4 block holding
    `theorem`, `by`, `:=` and `import`; see MoonshotAI/Kimina-Prover-Preview)."""
    codes = re.findall(r"```lean4\n(.*?)\n```", output, re.DOTALL)
    for code in reversed(codes):
        if all(word in code for word in ("theorem", "by", ":=", "import")):
            return str(code)
    return "No proof found in the output."


def test_a_fence_after_prose_opens_a_block_as_kimina_finds_it() -> None:
    # Regression (adv-trainers): Kimina-Prover's regex finds ```lean4 anywhere, also
    # after prose on its line; leancli found "no lean block" here.
    answer = f"Final proof: {FENCE}lean4\n{FILE}\n{FENCE}\n"
    assert extract(answer, "last-block").rstrip("\n") == kimina_extract_proof_from_text(answer)
    assert extract(answer, "first-block").rstrip("\n") == FILE


def test_a_fence_after_prose_tagged_otherwise_opens_nothing() -> None:
    answer = f"Run this: {FENCE}python\nprint(1)\n{FENCE}\n"
    with pytest.raises(ExtractError, match="no lean block"):
        extract(answer, "last-block")


def test_last_block_keeps_the_issue_rule_where_kimina_skips_a_trailing_usage_block() -> None:
    # The documented difference (docs/python-api.md, inputs/extract.py): the issue's rule
    # is "the last fenced block tagged lean, lean4 or untagged"; Kimina's script skips a
    # last block without `theorem`, `by`, `:=` and `import`, and takes the file before it.
    answer = (
        f"Final proof:\n{FENCE}lean4\n{FILE}\n{FENCE}\n"
        f"Check it with:\n{FENCE}lean4\n#check t1\n{FENCE}\n"
    )
    assert kimina_extract_proof_from_text(answer) == FILE
    assert extract(answer, "last-block").rstrip("\n") == "#check t1"
    assert extract(answer, "first-block").rstrip("\n") == FILE


@pytest.mark.parametrize("answer", ["", "\n\n", "   \t\n"])
def test_whole_mode_finds_nothing_to_check_in_an_empty_answer(answer: str) -> None:
    # Regression (adv-trainers): an empty answer was checked as an empty Lean file,
    # which Lean accepts with no message: a pass for generating nothing.
    with pytest.raises(ExtractError, match="nothing to check"):
        extract(answer, "whole")


@pytest.mark.parametrize("answer", ["", "\n", "-- nothing here\n/- a comment -/\n"])
def test_an_empty_or_comment_only_answer_is_an_invalid_line(answer: str) -> None:
    spec = InputSpec(code_field="out", extract="whole")
    parsed = parse_line(1, orjson.dumps({"id": "a", "out": answer}), spec)
    assert isinstance(parsed, InvalidLine) and parsed.error == "nothing to check"


def test_an_invalid_sample_keeps_its_first_pass_problem() -> None:
    # Regression (adv-trainers): an invalid sample carried no `problem`, so `stats --by
    # problem` left it out of pass@k.
    spec = InputSpec(code_field="out", extract="last-block", first_pass_field="name")
    parsed = parse_line(1, orjson.dumps({"name": "p1", "out": "I give up."}), spec)
    assert isinstance(parsed, InvalidLine)
    assert (parsed.error, parsed.problem) == ("no lean block", "p1")


def test_check_reports_an_empty_answer_as_invalid(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"id": "empty", "out": ""},
        {"id": "blank", "out": "\n \n"},
        {"id": "null", "out": None},
    ]
    results = check_rows(
        tmp_path, FAKE_REPL_COMMAND, rows, "--code-field", "out", "--extract", "whole", "-q"
    )
    assert [(r["id"], r["status"]) for r in results] == [
        ("empty", "invalid"),
        ("blank", "invalid"),
        ("null", "invalid"),
    ]
