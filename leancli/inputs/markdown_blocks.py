"""The Lean code blocks of a Markdown file (a pure function over its text).

Fences follow CommonMark (https://spec.commonmark.org/0.31.2/#fenced-code-blocks): a
run of three or more backticks or tildes opens a block, a run of the same character at
least as long closes it (or the end of the file does), a backtick fence's info string
has no backtick, and content lines lose as many leading spaces as the opening fence had.
Unlike CommonMark, a fence may be indented by any number of spaces, so that the blocks
of list items are found without parsing the lists. A fence in a block quote (`> ```lean`)
opens a block too: its lines lose their `>` markers (counted in `indents`, so that
positions stay right), and a line quoted less deeply ends it, as CommonMark has it.

The first word of the info string is the language (`lean` or `lean4`, any case); the
other words (separated by spaces or commas) are tags: `skip` leaves the block out,
`fails` says Lean must reject it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEAN_LANGUAGES = frozenset({"lean", "lean4"})
SKIP_TAG = "skip"
FAILS_TAG = "fails"

_OPENING = re.compile(r"(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_TAG_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A Lean block: its opening fence is on line `fence_line` (1-based), its code on the
    lines after it; `indents[i]` spaces were cut from code line i + 1."""

    fence_line: int
    code: str
    tags: frozenset[str]
    indents: tuple[int, ...]
    end_line: int  # the closing fence's line, or the file's last line

    @property
    def first_line(self) -> int:
        return self.fence_line + 1

    @property
    def skipped(self) -> bool:
        return SKIP_TAG in self.tags

    @property
    def must_fail(self) -> bool:
        return FAILS_TAG in self.tags


def lean_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of `text` whose language is `lean` or `lean4`, in order."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line starts no line of its own
    blocks: list[CodeBlock] = []
    number = 0
    while number < len(lines):
        depth, prefix = _quote(lines[number])
        opening = _opening_fence(lines[number][prefix:])
        number += 1
        if opening is None:
            continue
        indent, fence, info = opening
        content: list[str] = []
        indents: list[int] = []
        fence_line = number
        ended = False  # by a line quoted less deeply, which is not the block's
        while number < len(lines):
            line_depth, line_prefix = _quote(lines[number])
            if line_depth < depth:
                ended = True
                break
            # A deeper quote's `>` is content, as CommonMark has it.
            line_prefix = _quote(lines[number], depth)[1] if line_depth > depth else line_prefix
            line = lines[number][line_prefix:]
            if _closes(line, fence):
                break
            kept = _strip_indent(line, indent)
            indents.append(len(lines[number]) - len(kept))
            content.append(kept)
            number += 1
        if ended:
            end_line = max(number, fence_line)
        else:
            end_line = min(number + 1, len(lines))
            number += 1  # past the closing fence
        words = [word for word in _TAG_SEPARATORS.split(info.strip()) if word]
        if not words or words[0].lower() not in LEAN_LANGUAGES:
            continue
        code = "".join(line + "\n" for line in content)
        tags = frozenset(word.lower() for word in words[1:])
        blocks.append(CodeBlock(fence_line, code, tags, tuple(indents), end_line))
    return blocks


_QUOTE_MARKER = re.compile(r" {0,3}> ?")


def _quote(line: str, most: int | None = None) -> tuple[int, int]:
    """How many block quote markers (`> `) begin `line` (at most `most`), and how many
    characters they take."""
    depth = at = 0
    while most is None or depth < most:
        marker = _QUOTE_MARKER.match(line, at)
        if marker is None:
            break
        depth += 1
        at = marker.end()
    return depth, at


def _opening_fence(line: str) -> tuple[int, str, str] | None:
    match = _OPENING.fullmatch(line)
    if match is None:
        return None
    fence, info = match.group("fence"), match.group("info")
    if fence[0] == "`" and "`" in info:
        return None  # inline code such as ```lean x```, not a fence
    return len(match.group("indent")), fence, info


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _strip_indent(line: str, indent: int) -> str:
    cut = 0
    while cut < indent and cut < len(line) and line[cut] == " ":
        cut += 1
    return line[cut:]
