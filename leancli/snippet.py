"""Split a snippet into its import header and its body (pure functions)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_IMPORT = re.compile(r"^import\s+\S")
_LINE_COMMENT = re.compile(r"^\s*--")


@dataclass(frozen=True, slots=True)
class Snippet:
    """`header` is the import lines, normalised; `body` starts at user line `offset + 1`."""

    header: str
    body: str
    offset: int

    def dedup_key(self) -> bytes:
        """Identical after normalising line endings and trailing spaces."""
        # split("\n"), not splitlines(): a lone "\r" is not a line break in Lean.
        body = "\n".join(line.rstrip() for line in self.body.split("\n")).strip("\n")
        text = f"{self.header}\x00{body}".encode()
        return hashlib.blake2b(text, digest_size=16).digest()


def split_snippet(code: str) -> Snippet:
    """The header is the leading `import` lines (blank and `--` lines may sit between them).

    The body is everything after the last import line, so that a body line `n` is user
    line `n + offset`.
    """
    code = code.replace("\r\n", "\n")
    imports: list[str] = []
    offset = body_start = 0
    line_start, number = 0, 0
    # Line by line up to the first line of the body, not over the whole (long) proof.
    while True:
        line_end = code.find("\n", line_start)
        if line_end < 0:
            line_end = len(code)
        line = code[line_start:line_end]
        number += 1
        if _IMPORT.match(line):
            imports.append(" ".join(line.split()))
            offset, body_start = number, line_end + 1
        elif line.strip() and not _LINE_COMMENT.match(line):
            break
        if line_end == len(code):
            break
        line_start = line_end + 1
    return Snippet(header="\n".join(imports), body=code[body_start:], offset=offset)
