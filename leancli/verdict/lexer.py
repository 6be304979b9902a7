"""Lean 4 source text at the level leancli needs: comments, strings, identifiers, tokens,
and the names declarations give.

Pure functions over `scanner`'s pieces, which follow Lean's own lexing rules. The audit
reads declarations through them and the snippet splitter finds where the import header
ends; both must agree with Lean about what is a comment.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from leancli.verdict.scanner import (
    ID_CHAR,
    IDENT,
    VERSION_DEPENDENT,
    Piece,
    block_comment_end,
    line_starts,
    scan,
    scan_reading,
)

__all__ = ["IDENT", "ID_CHAR", "block_comment_end"]

# Lean's `Char.isWhitespace`; other Unicode spaces are not whitespace to Lean.
_WHITESPACE = re.compile(r"[ \t\r\n]*")


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
    """Split Lean source into ("code" | "comment" | "string", text) pieces, as Lean lexes
    it (`scanner.scan`): comments are `--` to end of line and nested `/- -/` (doc comments
    included); strings are string, char and raw string literals, an interpolated string
    one piece per literal chunk (its `{...}` are code). `«...»` names are code."""
    code_from = 0
    for piece in scan(text):
        if piece.kind == "token":
            continue
        if piece.start > code_from:
            yield "code", text[code_from : piece.start]
        yield piece.kind, text[piece.start : piece.end]
        code_from = piece.end
    if code_from < len(text):
        yield "code", text[code_from:]


_MAY_HIDE = re.compile(r"""--|/-|["'`]""")


def strip_comments(text: str, *, blank_strings: bool = False) -> str:
    """`text` with each comment (and, if asked, each string) replaced by one space, and
    the line breaks it held (so that what follows stays on its line)."""
    if _MAY_HIDE.search(text) is None:
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


class Token(NamedTuple):
    text: str  # a string, char or raw string literal reads `""`
    line: int  # 1-based, in the text it was read from
    source: str = ""  # a literal's text as written (`"x--"`), for the atoms it declares


def _tokens_of(text: str, pieces: list[Piece]) -> list[Token]:
    starts = line_starts(text)
    found = []
    for piece in pieces:
        if piece.kind == "comment":
            continue
        line, source = bisect.bisect(starts, piece.start), text[piece.start : piece.end]
        found.append(Token(source, line) if piece.kind == "token" else Token('""', line, source))
    return found


def located_tokens(text: str) -> list[Token]:
    """The tokens of `text` (identifiers whole, dotted and with their guillemets; `@[`;
    `#commands`; numbers; name literals; `""` for each literal; any other symbol one
    character), outside comments, with the line each one is on."""
    return _tokens_of(text, scan(text))


def tokens(text: str) -> list[str]:
    """`located_tokens(text)` without the lines."""
    return [token.text for token in located_tokens(text)]


# At most this many ways to read a text's strings are checked (each a scan of the text).
READINGS_LIMIT = 64


class TooManyReadings(ValueError):
    """More ways to read a text's strings than `READINGS_LIMIT`: `line` is the first
    string that may be read two ways."""

    def __init__(self, line: int) -> None:
        super().__init__(f"more than {READINGS_LIMIT} ways to read its strings")
        self.line = line


def lean_readings(text: str) -> list[list[Token]]:
    """Every way Lean may lex `text`, for checks that must hold in each: as core Lean
    does first; then with any of its plain strings holding `{` read interpolated (core's
    `throwErrorAt (ref) "..."`, a library's or the snippet's own syntax taking
    `interpolatedStr(term)`: there `{...}` is code), each such string chosen either way,
    keeping the readings whose strings and interpolants all close (an unterminated one
    is a parse error to Lean); and with the identifier characters of Lean before v4.22,
    when the text has one it added. Raises TooManyReadings past `READINGS_LIMIT`."""
    readings = _string_readings(text, legacy=False)
    if VERSION_DEPENDENT.search(text):
        readings += _string_readings(text, legacy=True)
    return [_tokens_of(text, pieces) for pieces in readings]


def _string_readings(text: str, *, legacy: bool) -> list[list[Piece]]:
    """Core Lean's reading, then each plain string holding `{` read interpolated, and in
    that reading each later one, up to where it reads as its parent reading again (then
    the strings after are read both ways from the parent: no combinations of strings
    whose readings are independent, so `"{" ++ "}"` lines cost one reading each)."""
    primary = scan_reading(text, legacy=legacy)
    readings = [primary.pieces]
    # (strings read interpolated, the reading they were flipped from, where branching stops)
    pending = [(frozenset({at}), primary, len(text)) for at in primary.branches]
    runs = 1
    while pending:
        flips, parent, limit = pending.pop()
        runs += 1
        if runs > READINGS_LIMIT:
            raise TooManyReadings(bisect.bisect(line_starts(text), primary.branches[0]))
        reading = scan_reading(text, legacy=legacy, flips=flips)
        if reading.closed:
            readings.append(reading.pieces)
        last = max(flips)
        rejoined = [at for at, _ in reading.states & parent.states if at > last]
        limit = min([limit, *rejoined])
        pending.extend(
            (flips | {at}, reading, limit) for at in reading.branches if last < at < limit
        )
    return readings


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
_NAMED_DECLS = frozenset({"theorem", "lemma", "def", "abbrev", "instance", "opaque"})


class Decl(NamedTuple):
    keyword: str
    name: str | None  # full name, with the enclosing namespaces
    at: int  # the index of its keyword among the tokens


_SCOPE_AND_DECL_WORDS = frozenset({"namespace", "section", "mutual", "end", "axiom", *_NAMED_DECLS})


def declarations(tokens: list[str], *, lemma: bool = True) -> Iterator[Decl]:
    """Declaration keywords with their full names, tracking `namespace`/`section`/`end`.

    `lemma`: whether `lemma` is a keyword (`lemma_is_keyword`), else an identifier."""
    # One entry per scope: a namespace component, or None for section / mutual.
    scopes: list[str | None] = []
    # Only these tokens matter; skipping the rest keeps long proofs cheap.
    words = _SCOPE_AND_DECL_WORDS if lemma else _SCOPE_AND_DECL_WORDS - {"lemma"}
    marks = [index for index, token in enumerate(tokens) if token in words]
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


def declared_names(body: str, *, lemma: bool = True) -> list[str]:
    """Full names declared by `theorem`, `lemma`, `def`, `abbrev`, `opaque` and named
    `instance`s.

    Names get the enclosing `namespace` prefixes (`_root_.x` is `x`); comments and
    strings are ignored. Each name appears once, in source order.
    """
    return names_of(tokens(body), lemma=lemma)


def names_of(tokens: list[str], *, lemma: bool = True) -> list[str]:
    names: dict[str, None] = {}
    for decl in declarations(tokens, lemma=lemma):
        if decl.keyword != "axiom" and decl.name is not None:
            names[decl.name] = None
    return list(names)


# Modules of Lean itself: `lemma` is Mathlib's command (`Mathlib/Tactic/Lemma.lean`;
# Batteries declares one that says to use `theorem`), an identifier in core Lean.
_CORE_ROOTS = frozenset({"Init", "Std", "Lean", "Lake"})


def lemma_is_keyword(header: str) -> bool:
    """Whether `lemma` is a command keyword after the import header `header`: when it
    imports a module outside Lean's own (Mathlib, Batteries, or a library using them)."""
    words = tokens(header)
    for index, word in enumerate(words[:-1]):
        if word == "import":
            module = words[index + 2] if words[index + 1] == "all" else words[index + 1]
            parts = name_parts(module) if IDENT.fullmatch(module) else ()
            if parts and parts[0] not in _CORE_ROOTS:
                return True
    return False


# --- snippets that declare nothing ------------------------------------------------------

# Commands that add no declaration (Lean/Elab/BuiltinCommand.lean): a snippet of only
# these (after its imports) proves nothing, however Lean answers it.
_OPEN_WORDS = frozenset({"scoped", "hiding", "renaming", "(", ")", "→", "->"})
_BINDER_PAIRS = {"(": ")", "{": "}", "[": "]", "⦃": "⦄", "{{": "}}"}


def declares_nothing(body: str) -> bool:
    """Whether `body` (a snippet without its import header) holds no command at all, or
    only `set_option`, `open`, `namespace`, `section`, `end`, `variable` and `universe`.

    Conservative: anything it does not read as one of those whole (`open Foo in ...`,
    a command going on to another line, any other command) is something to check."""
    toks = located_tokens(body)
    at = 0
    while at < len(toks):
        word, line = toks[at].text, toks[at].line
        rest = toks[at + 1 :]
        same_line = [token.text for token in rest if token.line == line]
        if word == "set_option":
            # `set_option NAME VALUE`; a trailing `in` scopes it over a command.
            if len(same_line) < 2 or not IDENT.fullmatch(same_line[0]):
                return False
            at += 3
        elif word in ("namespace", "universe", "open", "end", "section"):
            allowed = _OPEN_WORDS if word == "open" else frozenset()
            taken = 0
            for text in same_line:
                if text == "in" or not (IDENT.fullmatch(text) or text in allowed):
                    return False
                taken += 1
            if word in ("namespace", "universe", "open") and taken == 0:
                return False
            if word == "namespace" and taken != 1:
                return False
            at += 1 + taken
        elif word == "noncomputable" and rest[:1] and rest[0].text == "section":
            at += 1
        elif word == "variable":
            taken = _binders(toks, at + 1)
            if taken == 0:
                return False
            at += 1 + taken
        else:
            return False
    return True


def _binders(toks: list[Token], at: int) -> int:
    """How many tokens from `at` are bracketed binders, `(x : α) {β : Type} [C β]`."""
    start = at
    while at < len(toks) and toks[at].text in _BINDER_PAIRS:
        stack = [_BINDER_PAIRS[toks[at].text]]
        at += 1
        while stack:
            if at >= len(toks):
                return 0  # unclosed: not read whole
            text = toks[at].text
            if text in _BINDER_PAIRS:
                stack.append(_BINDER_PAIRS[text])
            elif text == stack[-1]:
                stack.pop()
            at += 1
    return at - start
