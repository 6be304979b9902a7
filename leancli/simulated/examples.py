"""leancli's named examples and instances, as the simulated REPL reads them back to its
recordings.

leancli sends each `example` as `def leancli_example_N`, and each unnamed `instance` as
`instance leancli_instance_N` (`leancli/verdict/examples.py`); Lean elaborates them as
it did the text as written (`Lean/Elab/MutualDef.lean`), so the answer recorded for that
text is the answer, its columns after each change moved right by what the name added.
"""

from __future__ import annotations

import re
from typing import Any

# `def leancli_example_N` (for `example`) or ` leancli_instance_N` (added after `instance`).
AUX_EXAMPLE = re.compile(r"\bdef (leancli_example_\d+_*)|( leancli_instance_\d+_*)\b")


def unname_examples(body: str) -> tuple[str, list[tuple[int, int, int]]]:
    """`body` with leancli's `def leancli_example_N` back as `example` and its instance
    names removed, and (line, column in the original, columns added) of each: as the
    real REPL answered the original."""
    spots: list[tuple[int, int, int]] = []
    lines = body.split("\n")
    for number, text in enumerate(lines):
        removed = 0
        for match in AUX_EXAMPLE.finditer(text):
            added = len(match.group()) - len(_original(match))
            spots.append((number + 1, match.start() - removed, added))
            removed += added
        lines[number] = AUX_EXAMPLE.sub(_original, text)
    return "\n".join(lines), spots


def _original(match: re.Match[str]) -> str:
    return "example" if match.group(1) else ""


def shift_columns(answer: dict[str, Any], spots: list[tuple[int, int, int]]) -> None:
    """Columns of `answer` after each renamed keyword moved right by what it added."""
    for entry in answer.get("messages", []) + answer.get("sorries", []):
        for key in ("pos", "endPos"):
            pos = entry.get(key)
            if not isinstance(pos, dict):
                continue
            shift = sum(a for line, at, a in spots if line == pos["line"] and pos["column"] > at)
            pos["column"] += shift
