"""The Lean code in a model's answer: `--extract last-block|first-block|whole`.

Provers write their answer as prose with fenced code, and their evaluation scripts take
one block of it:

- `last-block`: the last block fenced as ```` ```lean4 ````, ```` ```lean ```` or
  untagged, as Kimina-Prover (`extract_proof_from_text` in its `kimina_prover` code),
  DeepSeek-Prover-V2 and Goedel-Prover-V2 take the final ```` ```lean4 ```` block of a
  chat answer; a block tagged otherwise (```` ```tactics ````, ```` ```python ````) is
  never taken.
- `first-block`: the first such block.
- `whole`: the answer is the code itself, continuing a block the prompt opened, as
  DeepSeek-Prover-V1.5 and Goedel-Prover-V1 sample it: it ends at the first line that
  closes a fence (their `re.search(r"```lean4\\n(.*?)\\n```", prompt + output)`), or at
  the end of the answer.

An answer with no such block is not code: `no lean block`, never checked as prose.
"""

from __future__ import annotations

import re

MODES = ("last-block", "first-block", "whole")
NO_BLOCK = "no lean block"

# A fence opens at the start of a line: three or more backticks, then the info string.
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,})[ \t]*([^\s`]*)[^\n`]*$", re.MULTILINE)
_LEAN_TAGS = frozenset({"", "lean", "lean4"})


class ExtractError(ValueError):
    """The answer holds no code to check."""


def lean_blocks(answer: str) -> list[str]:
    """The text of every fenced block of `answer` tagged `lean`, `lean4` or untagged, in
    order. A block closes at a fence of at least its opening backticks and no info
    string (CommonMark); a `lean` block left open (the answer was cut off) runs to its
    end, a bare fence left open is a stray one and opens nothing."""
    blocks: list[str] = []
    opening: re.Match[str] | None = None
    for fence in _FENCE.finditer(answer):
        if opening is None:
            opening = fence
            continue
        if fence.group(2) or len(fence.group(1)) < len(opening.group(1)):
            continue  # an inner fence, or an opening one: not this block's end
        if opening.group(2).lower() in _LEAN_TAGS:
            blocks.append(answer[opening.end() + 1 : fence.start()])
        opening = None
    if opening is not None and opening.group(2).lower() in {"lean", "lean4"}:
        blocks.append(answer[opening.end() + 1 :])  # cut off by the token limit
    return blocks


def extract(answer: str, mode: str) -> str:
    """The code `mode` takes from `answer`; ExtractError when it holds none."""
    if mode == "whole":
        closing = re.search(r"^[ \t]{0,3}```", answer, re.MULTILINE)
        return answer if closing is None else answer[: closing.start()]
    if mode not in MODES:
        raise ValueError(f"extract mode {mode!r}: use one of {', '.join(MODES)}")
    blocks = [block for block in lean_blocks(answer) if block.strip()]
    if not blocks:
        raise ExtractError(NO_BLOCK)
    return blocks[-1] if mode == "last-block" else blocks[0]
