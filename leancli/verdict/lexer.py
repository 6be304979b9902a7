"""Lean 4 source text at the level leancli needs: comments, strings, identifiers, tokens,
and the names declarations give.

Pure functions. The audit reads declarations through them and the snippet splitter finds
where the import header ends; both must agree with Lean about what is a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

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
    """`text` with each comment (and, if asked, each string) replaced by one space, and
    the line breaks it held (so that what follows stays on its line)."""
    if _SPECIAL.search(text) is None:
        return text  # nothing can start a comment or string: the common short snippet
    pieces: list[str] = []
    for kind, piece in lex(text):
        if kind == "comment":
            pieces.append(" " + "\n" * piece.count("\n"))
        elif kind == "string" and blank_strings:
            pieces.append(' "" ' + "\n" * piece.count("\n"))
        else:
            pieces.append(piece)
    return "".join(pieces)


def tokens(text: str) -> list[str]:
    """Identifiers, `@[`, `#commands`, numbers and single symbols, outside comments and
    strings (each string reads as `""`)."""
    return _TOKEN.findall(strip_comments(text, blank_strings=True))


class Token(NamedTuple):
    text: str
    line: int  # 1-based, in the text it was read from


def located_tokens(text: str) -> list[Token]:
    """`tokens(text)` with the line each one is on."""
    code = strip_comments(text, blank_strings=True)
    found, line, counted = [], 1, 0
    for match in _TOKEN.finditer(code):
        line += code.count("\n", counted, match.start())
        counted = match.start()
        found.append(Token(match.group(), line))
    return found


_NAME_PART = re.compile(r"«([^»]*)»|([^.«»]+)")


def name_parts(name: str) -> tuple[str, ...]:
    """The components of a Lean name as Lean reads them: `«debug».«skipKernelTC»` and
    `debug.skipKernelTC` are both ("debug", "skipKernelTC")."""
    return tuple(quoted or plain for quoted, plain in _NAME_PART.findall(name))


def plain_name(name: str) -> str:
    """`name` with its guillemets removed, for comparing names, never for printing."""
    return ".".join(name_parts(name))


# --- declarations -----------------------------------------------------------------------

# Declarations whose axioms can be printed (`example`s have no name).
_NAMED_DECLS = frozenset({"theorem", "lemma", "def", "abbrev", "instance"})


class Decl(NamedTuple):
    keyword: str
    name: str | None  # full name, with the enclosing namespaces
    at: int  # the index of its keyword among the tokens


_SCOPE_AND_DECL_WORDS = frozenset({"namespace", "section", "mutual", "end", "axiom", *_NAMED_DECLS})


def declarations(tokens: list[str]) -> Iterator[Decl]:
    """Declaration keywords with their full names, tracking `namespace`/`section`/`end`."""
    # One entry per scope: a namespace component, or None for section / mutual.
    scopes: list[str | None] = []
    # Only these tokens matter; skipping the rest keeps long proofs cheap.
    marks = [index for index, token in enumerate(tokens) if token in _SCOPE_AND_DECL_WORDS]
    for index in marks:
        token = tokens[index]
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token == "namespace" and IDENT.fullmatch(after):
            scopes.extend(after.split("."))
        elif token in ("section", "mutual"):
            scopes.append(None)
        elif token == "end" and scopes:
            # `end A.B` closes the scopes A and B; a bare `end` (or a section's) closes one.
            parts = after.split(".") if IDENT.fullmatch(after) else []
            closes = len(parts) if parts and scopes[-len(parts) :] == parts else 1
            del scopes[-closes:]
        elif token in _NAMED_DECLS or token == "axiom":
            # `deriving instance C for T` and `attribute [instance] f` declare nothing here.
            before = tokens[index - 1] if index else ""
            if before in ("deriving", "[", "@[", ","):
                continue
            name_at = index + 1
            if token == "instance":
                name_at = _skip_priority(tokens, name_at)
            name = tokens[name_at] if name_at < len(tokens) else ""
            yield Decl(token, _full_name(scopes, name) if IDENT.fullmatch(name) else None, index)


def _skip_priority(tokens: list[str], at: int) -> int:
    """Index past an `instance (priority := ...)` group starting at `at`, if any."""
    if tokens[at : at + 2] != ["(", "priority"]:
        return at
    depth = 0
    for index in range(at, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[index], 0)
        if depth == 0:
            return index + 1
    return len(tokens)


def _full_name(scopes: list[str | None], name: str) -> str:
    if not scopes or name.startswith("_root_."):
        return name.removeprefix("_root_.")
    return ".".join([*(scope for scope in scopes if scope is not None), name])


def declared_names(body: str) -> list[str]:
    """Full names declared by `theorem`, `lemma`, `def`, `abbrev` and named `instance`s.

    Names get the enclosing `namespace` prefixes (`_root_.x` is `x`); comments and
    strings are ignored. Each name appears once, in source order.
    """
    return names_of(tokens(body))


def names_of(tokens: list[str]) -> list[str]:
    names: dict[str, None] = {}
    for decl in declarations(tokens):
        if decl.keyword != "axiom" and decl.name is not None:
            names[decl.name] = None
    return list(names)
