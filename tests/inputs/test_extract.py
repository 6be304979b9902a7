"""--extract: the code of a model's answer, as the provers' own scripts take it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.inputs.extract import NO_BLOCK, extract
from leancli.inputs.items import InputSpec, InvalidLine, Item, parse_line

COMPLETIONS = Path(__file__).resolve().parents[1] / "data" / "completions" / "completions.jsonl"
ANSWERS = [orjson.loads(line) for line in COMPLETIONS.read_bytes().splitlines()]
KIMINA = [row for row in ANSWERS if "kimina_extract_proof_from_text" in row]


@pytest.mark.parametrize("row", KIMINA, ids=lambda row: row["problem"]["name"])
def test_last_block_takes_what_kiminas_own_extraction_takes(row: dict[str, Any]) -> None:
    # Their thinking holds ```tactics blocks (never taken), then one ```lean4 block.
    taken = extract(row["completion"], "last-block")
    assert taken.strip() == row["kimina_extract_proof_from_text"].strip()


def test_an_answer_without_a_lean_block_is_invalid_never_prose() -> None:
    whole_file = next(row for row in ANSWERS if row not in KIMINA)
    line = orjson.dumps({"completion": whole_file["completion"]})
    parsed = parse_line(1, line, InputSpec(code_field="completion", extract="last-block"))
    assert isinstance(parsed, InvalidLine) and parsed.error == NO_BLOCK
    prose = orjson.dumps({"completion": "I think the answer is 9, by `norm_num`."})
    assert isinstance(
        parse_line(2, prose, InputSpec("completion", extract="first-block")), InvalidLine
    )


def test_first_and_last_blocks_of_lean_lean4_and_untagged_fences() -> None:
    answer = "a\n```lean4\nfirst\n```\nprose\n```python\nnot lean\n```\n```\nlast\n```\nend"
    assert extract(answer, "first-block") == "first\n"
    assert extract(answer, "last-block") == "last\n"
    # A block cut off by the token limit still counts; a stray closing fence opens nothing.
    assert extract("```lean\ncut off", "last-block") == "cut off"
    with pytest.raises(ValueError, match=NO_BLOCK):
        extract("text\n```\n", "last-block")


def test_whole_with_the_template_is_header_statement_and_proof_as_deepseek_checks_it() -> None:
    # DeepSeek-Prover-V1.5's few-shot row: the proof continues the statement's open block.
    problem = orjson.loads(
        (COMPLETIONS.parent.parent / "datasets" / "deepseek_minif2f.jsonl")
        .read_bytes()
        .splitlines()[0]
    )
    answer = "  norm_num\n```\nThe proof is complete."
    line = orjson.dumps({**problem, "output": answer})
    spec = InputSpec("output", "{header}{formal_statement}", extract="whole")
    parsed = parse_line(1, line, spec)
    assert isinstance(parsed, Item)
    assert parsed.code == problem["header"] + problem["formal_statement"] + "  norm_num\n"
