"""Split a snippet into its import header and its body (pure functions)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from leancli.verdict.lexer import IDENT, skip_trivia

# What may follow the last import on its line for the body to start on the next line.
_REST_OF_IMPORT_LINE = re.compile(r"[ \t]*(?:--.*)?")
# The usual `import M`, read in one match; comments inside it take the general path.
_PLAIN_IMPORT = re.compile(f"import[ \t\n]+({IDENT.pattern})")


@dataclass(frozen=True, slots=True)
class Snippet:
    """`header` is the imports, one `import M` a line; `body` starts at user line
    `offset + 1` (with its first line's columns kept)."""

    header: str
    body: str
    offset: int

    def dedup_key(self) -> bytes:
        return self.dedup_identity()[0]

    def dedup_identity(self) -> tuple[bytes, int]:
        """(key, first line): snippets of one key are identical after normalising line
        endings and trailing spaces, wherever they start; the body's first non-blank
        line is user line `first line`, so the positions of one snippet's messages are
        the other's moved by the difference of their first lines."""
        # split("\n"), not splitlines(): a lone "\r" is not a line break in Lean.
        body = "\n".join(line.rstrip() for line in self.body.split("\n"))
        text = body.lstrip("\n")
        first_line = self.offset + len(body) - len(text)
        key = f"{self.header}\x00{text.rstrip()}".encode()
        return hashlib.blake2b(key, digest_size=16).digest(), first_line


def split_snippet(code: str) -> Snippet:
    """The header is the leading `import M` commands, as Lean reads a file's header:
    whitespace, `--` and `/- -/` comments may come before and between them, and
    anything else (a doc comment `/--` or `/-!` included) starts the body.

    The body is the text after the last import, so that a body line `n` is user line
    `n + offset`. Reading stops at the first token of the body: a long proof costs
    nothing here.
    """
    code = code.replace("\r\n", "\n")
    imports: list[str] = []
    header_end = 0
    at = skip_trivia(code, 0)
    while (module := _import_at(code, at)) is not None:
        name, header_end = module
        imports.append(f"import {name}")
        at = skip_trivia(code, header_end)
    if not imports:
        return Snippet(header="", body=code, offset=0)
    header = "\n".join(imports)
    offset = code.count("\n", 0, header_end)
    line_end = code.find("\n", header_end)
    line_end = len(code) if line_end < 0 else line_end
    if _REST_OF_IMPORT_LINE.fullmatch(code, header_end, line_end):
        return Snippet(header=header, body=code[line_end + 1 :], offset=offset + 1)
    # The body starts on the last import's line: blanks in place of the header there
    # keep the columns of its messages.
    line_start = code.rfind("\n", 0, header_end) + 1
    return Snippet(header, " " * (header_end - line_start) + code[header_end:], offset)


def _import_at(code: str, at: int) -> tuple[str, int] | None:
    """(module, where its name ends) for an `import M` command at `at`, else None."""
    plain = _PLAIN_IMPORT.match(code, at)
    if plain is not None:
        return plain.group(1), plain.end()
    keyword = IDENT.match(code, at)
    if keyword is None or keyword.group() != "import":
        return None
    module = IDENT.match(code, skip_trivia(code, keyword.end()))
    if module is None:
        return None
    return module.group(), module.end()
