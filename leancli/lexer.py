"""Lean 4 source text at the level leancli needs: comments, strings, identifiers, tokens.

Pure functions. The audit reads declarations through them and the snippet splitter finds
where the import header ends; both must agree with Lean about what is a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Identifier characters as in Lean 4's `isLetterLike` / `isSubScriptAlnum`: ASCII letters,
# Greek except λ Π Σ, Coptic, polytonic Greek, the letter-like block (ℕ ℝ), math letters.
_ID_START = (
    "A-Za-z_\u03b1-\u03ba\u03bc-\u03c9\u0391-\u039f\u03a1-\u03a2\u03a4-\u03a9"
    "\u03ca-\u03fb\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f"
)
_ID_REST = _ID_START + "0-9'!?\u2080-\u208c\u2090-\u209c\u1d62-\u1d6a"
_ATOM = f"(?:«[^»]*»|[{_ID_START}][{_ID_REST}]*)"
IDENT = re.compile(f"{_ATOM}(?:\\.{_ATOM})*")
_TOKEN = re.compile(f"{IDENT.pattern}|@\\[|#[A-Za-z_]+|\\d+|\\S")
ID_CHAR = re.compile(f"[{_ID_REST}]")
# A char literal: 'a', '\n', '\x41', '\u{3b1}', '\''. Only where an identifier cannot
# end (h' is an identifier), else its quote would be mistaken for the literal's.
_CHAR = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'")
_RAW_STRING = re.compile(r'r(#*)"')
_SPECIAL = re.compile(r"""--|/-|[«"']|r(?=#*")""")
_COMMENT_MARK = re.compile(r"/-|-/")
# Lean's `Char.isWhitespace`; other Unicode spaces are not whitespace to Lean.
_WHITESPACE = re.compile(r"[ \t\r\n]*")


def block_comment_end(text: str, start: int) -> int:
    """Where the nested `/- -/` comment opening at `start` ends (len(text) if never).

    As in Lean's `whitespace` and `finishCommentBlock`, the scan begins after the
    opener's third character, so `/-/- -/` is one whole comment, not two nested ones.
    """
    depth, at = 1, start + 3
    while True:
        mark = _COMMENT_MARK.search(text, at)
        if mark is None:
            return len(text)
        depth += 1 if mark.group() == "/-" else -1
        at = mark.end()
        if depth == 0:
            return at


def skip_trivia(text: str, at: int) -> int:
    """Where the first token at or after `at` starts: past whitespace, `--` comments and
    (nested) `/- -/` comments, as Lean's `whitespace` parser skips them.

    Doc comments (`/--`, `/-!`) are tokens to Lean, so they stop the skip.
    """
    while True:
        space = _WHITESPACE.match(text, at)
        assert space is not None  # `*` matches the empty string
        at = space.end()
        if text.startswith("--", at):
            end = text.find("\n", at)
            at = len(text) if end < 0 else end
        elif text.startswith("/-", at) and text[at + 2 : at + 3] not in ("-", "!"):
            at = block_comment_end(text, at)
        else:
            return at


def lex(text: str) -> Iterator[tuple[str, str]]:
    """Split Lean source into ("code" | "comment" | "string", text) pieces.

    Comments are `--` to end of line and nested `/- -/` (doc comments included);
    strings are `"..."` with escapes and raw `r#"..."#`. `«...»` names are code.
    """
    i, start, n = 0, 0, len(text)

    def flush(end: int) -> Iterator[tuple[str, str]]:
        if end > start:
            yield "code", text[start:end]

    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            yield from flush(i)
            end = text.find("\n", i)
            end = n if end < 0 else end
            yield "comment", text[i:end]
            i = start = end
        elif text.startswith("/-", i):
            yield from flush(i)
            end = block_comment_end(text, i)
            yield "comment", text[i:end]
            i = start = end
        elif ch == "«":
            end = text.find("»", i)
            i = n if end < 0 else end + 1
        elif ch == "r" and (raw := _RAW_STRING.match(text, i)) and not _after_ident(text, i):
            yield from flush(i)
            end = text.find('"' + raw.group(1), raw.end())
            end = n if end < 0 else end + 1 + len(raw.group(1))
            yield "string", text[i:end]
            i = start = end
        elif ch == '"':
            yield from flush(i)
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            end = min(j + 1, n)
            yield "string", text[i:end]
            i = start = end
        elif ch == "'" and not _after_ident(text, i) and (char := _CHAR.match(text, i)):
            yield from flush(i)
            yield "string", char.group()
            i = start = char.end()
        else:
            # Jump to the next character that can start a comment, string or name.
            special = _SPECIAL.search(text, i + 1)
            i = n if special is None else special.start()
    yield from flush(n)


def _after_ident(text: str, i: int) -> bool:
    return i > 0 and (ID_CHAR.match(text, i - 1) is not None or text[i - 1] == "»")


def strip_comments(text: str, *, blank_strings: bool = False) -> str:
    """`text` with each comment (and, if asked, each string) replaced by one space."""
    if _SPECIAL.search(text) is None:
        return text  # nothing can start a comment or string: the common short snippet
    pieces: list[str] = []
    for kind, piece in lex(text):
        if kind == "comment":
            pieces.append(" ")
        elif kind == "string" and blank_strings:
            pieces.append(' "" ')
        else:
            pieces.append(piece)
    return "".join(pieces)


def tokens(text: str) -> list[str]:
    """Identifiers, `@[`, `#commands`, numbers and single symbols, outside comments and
    strings (each string reads as `""`)."""
    return _TOKEN.findall(strip_comments(text, blank_strings=True))
