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
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.header.encode())
        digest.update(b"\x00")
        digest.update(body.encode())
        return digest.digest()


def split_snippet(code: str) -> Snippet:
    """The header is the leading `import` lines (blank and `--` lines may sit between them).

    The body is everything after the last import line, so that a body line `n` is user
    line `n + offset`.
    """
    code = code.replace("\r\n", "\n")
    lines = code.split("\n")
    imports: list[str] = []
    end = 0
    for index, line in enumerate(lines):
        if _IMPORT.match(line):
            imports.append(" ".join(line.split()))
            end = index + 1
        elif line.strip() and not _LINE_COMMENT.match(line):
            break
    return Snippet(header="\n".join(imports), body="\n".join(lines[end:]), offset=end)
