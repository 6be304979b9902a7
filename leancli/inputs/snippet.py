"""Split a snippet into its header and its body (pure functions).

The header is read as Lean's parser reads a module header (`Lean.Parser.Module.header`
in src/Lean/Parser/Module.lean, leanprover/lean4, with the module system):

    header := ("module")? ("prelude")? import*
    import := ("public")? ("meta")? "import" ("all")? ident

so `module`, `prelude`, `public import`, `meta import`, `import all` and their
combinations are header commands; `public`/`meta` not followed by `import` (`public
section`, `meta def`) start the body, as Lean's `atomic` makes them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from leancli.verdict.lexer import IDENT, skip_trivia

# What may follow the last import on its line for the body to start on the next line.
_REST_OF_IMPORT_LINE = re.compile(r"[ \t]*(?:--.*)?")
# The usual `import M`, read in one match; comments inside it take the general path.
_PLAIN_IMPORT = re.compile(f"import[ \t\n]+({IDENT.pattern})")
_MODIFIERS = ("public", "meta")  # in this order, each at most once


@dataclass(frozen=True, slots=True)
class Snippet:
    """`header` is the header's commands (`module`, `prelude`, the imports), one a line
    and spaced as `public meta import all M`; `body` starts at user line `offset + 1`
    (with its first line's columns kept). The whole header keys header reuse."""

    header: str
    body: str
    offset: int
    # Lines before the header's first token (a copyright comment above `module`): Lean
    # reports a header that fails to import at that token (Lean/Elab/Import.lean).
    header_offset: int = 0

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
    """The header is the leading header commands, as Lean reads a file's header (see the
    module docstring): whitespace, `--` and `/- -/` comments may come before and between
    them, and anything else (a doc comment `/--` or `/-!` included) starts the body.

    The body is the text after the last import, so that a body line `n` is user line
    `n + offset`. Reading stops at the first token of the body: a long proof costs
    nothing here.
    """
    code = code.replace("\r\n", "\n")
    imports: list[str] = []
    header_end = 0
    at = first_token = skip_trivia(code, 0)
    for keyword in ("module", "prelude"):
        end = _keyword_at(code, at, keyword)
        if end is not None:
            imports.append(keyword)
            header_end = end
            at = skip_trivia(code, end)
    while (command := _import_at(code, at)) is not None:
        text, header_end = command
        imports.append(text)
        at = skip_trivia(code, header_end)
    if not imports:
        return Snippet(header="", body=code, offset=0)
    header = "\n".join(imports)
    header_offset = code.count("\n", 0, first_token)
    offset = code.count("\n", 0, header_end)
    line_end = code.find("\n", header_end)
    line_end = len(code) if line_end < 0 else line_end
    if _REST_OF_IMPORT_LINE.fullmatch(code, header_end, line_end):
        return Snippet(header, code[line_end + 1 :], offset + 1, header_offset)
    # The body starts on the last import's line: blanks in place of the header there
    # keep the columns of its messages.
    line_start = code.rfind("\n", 0, header_end) + 1
    body = " " * (header_end - line_start) + code[header_end:]
    return Snippet(header, body, offset, header_offset)


def _keyword_at(code: str, at: int, keyword: str) -> int | None:
    """Where `keyword` ends if it is the whole identifier at `at`, else None."""
    word = IDENT.match(code, at)
    return word.end() if word is not None and word.group() == keyword else None


def _import_at(code: str, at: int) -> tuple[str, int] | None:
    """(the import command, spaced one way, and where it ends) at `at`, else None."""
    plain = _PLAIN_IMPORT.match(code, at)
    if plain is not None and plain.group(1) != "all":  # `all` is a keyword there
        return f"import {plain.group(1)}", plain.end()
    words: list[str] = []
    for modifier in _MODIFIERS:
        end = _keyword_at(code, at, modifier)
        if end is not None:
            words.append(modifier)
            at = skip_trivia(code, end)
    end = _keyword_at(code, at, "import")
    if end is None:
        return None  # `public section`, `meta def`: the body's first command
    words.append("import")
    at = skip_trivia(code, end)
    end = _keyword_at(code, at, "all")
    if end is not None:
        words.append("all")
        at = skip_trivia(code, end)
    module = IDENT.match(code, at)
    if module is None:
        return None
    return " ".join([*words, module.group()]), module.end()
