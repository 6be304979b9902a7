"""The Lean code in a model's answer: `--extract last-block|first-block|whole`.

Provers write their answer as prose with fenced code, and their evaluation scripts take
one block of it. The rule is the issue's: the last (or first) block fenced as
```` ```lean4 ````, ```` ```lean ```` or untagged, which is how DeepSeek-Prover-V2,
Kimina-Prover and Goedel-Prover-V2 write their answers:

- `last-block`: the last such block. DeepSeek-Prover-V2 and Goedel-Prover-V2 take the
  last ```` ```lean4 ```` block of a chat answer, as this does. Kimina-Prover's
  `extract_proof_from_text` (`re.findall(r"```lean4\n(.*?)\n```", output, re.DOTALL)`,
  then the last block holding `theorem`, `by`, `:=` and `import`) differs in two ways:
  it skips a last block without those words (a trailing `#check t1` after the file:
  Kimina takes the file, leancli the `#check`), and it ignores ```` ```lean ```` and
  untagged blocks. Like Kimina's regex, a ```` ```lean4 ```` (or ```` ```lean ````)
  fence after prose on its line (`Final proof: ```lean4`) opens a block.
- `first-block`: the first such block.
- `whole`: the answer is the code itself, continuing a block the prompt opened, as
  DeepSeek-Prover-V1.5 and Goedel-Prover-V1 sample it: it ends at the first line that
  closes a fence (their `re.search(r"```lean4\n(.*?)\n```", prompt + output)`), or at
  the end of the answer.

A block tagged otherwise (```` ```tactics ````, ```` ```python ````) is never taken. An
answer with no such block is not code: `no lean block`, never checked as prose; an
empty answer (or only white space) is `nothing to check`, never an empty Lean file.
"""

from __future__ import annotations

import re

MODES = ("last-block", "first-block", "whole")
NO_BLOCK = "no lean block"
NOTHING = "nothing to check"

# A fence opens at the start of a line: three or more backticks, then the info string.
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,})[ \t]*([^\s`]*)[^\n`]*$", re.MULTILINE)
# Kimina-Prover's regex finds ```lean4 anywhere: also after prose on its line. Such a
# fence only opens a block (it has an info string, so it never closes one).
_FENCE_AFTER_PROSE = re.compile(
    r"^[^\n]*?[^`\s][ \t]*(`{3,})(lean4?)[ \t]*$", re.MULTILINE | re.IGNORECASE
)
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
    fences = [*_FENCE.finditer(answer), *_FENCE_AFTER_PROSE.finditer(answer)]
    for fence in sorted(fences, key=lambda match: match.start()):
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
        code = answer if closing is None else answer[: closing.start()]
        if not code.strip():
            raise ExtractError(NOTHING)  # Lean accepts an empty file: never a pass
        return code
    if mode not in MODES:
        raise ValueError(f"extract mode {mode!r}: use one of {', '.join(MODES)}")
    blocks = [block for block in lean_blocks(answer) if block.strip()]
    if not blocks:
        raise ExtractError(NO_BLOCK)
    return blocks[-1] if mode == "last-block" else blocks[0]
