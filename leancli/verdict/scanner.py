"""Lean 4's lexical rules: where each token, string and comment of a source text starts
and ends, as Lean's tokenizer decides it.

Followed from leanprover/lean4: `src/Lean/Parser/Basic.lean` (`tokenFnAux`: what starts a
string, a char, a number, a name literal, a raw string or an identifier; `identFnAux`,
`isIdCont`; `strLitFnAux`, `charLitFnAux`, `quotedCharCoreFn`, `rawStrLitFnAux`;
`whitespace`, `finishCommentBlock`), `src/Lean/Parser/StrInterpolation.lean`
(`interpolatedStrFn`: `{term}` inside `s!"..."` is code, lexed as code, up to the `}`
that ends the term) and `src/Init/Meta.lean` (`Init/Meta/Defs.lean` in newer Lean:
`isLetterLike`, `isNumericSubscript`, `isSubScriptAlnum`, `isIdFirst`, `isIdRest`).

Pure functions over the text; no token table: a symbol that is not an identifier,
literal or comment is one character (`@[` and `#word` excepted), which is all the audit
needs, since the words it looks for are identifiers to Lean.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# `isLetterLike`: Greek but λ Π Σ, Coptic, polytonic Greek, the letter-like block, the
# script/double-struck/Fraktur letters; from Lean v4.22 (lean4#9035) also Latin-1 letters
# but × ÷, and Latin Extended-A.
_GREEK_AND_MATH = (
    "\u03b1-\u03ba\u03bc-\u03c9\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9"
    "\u03ca-\u03fb\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f"
)
_LATIN = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u017f"
# `isSubScriptAlnum`: `isNumericSubscript` (₀-₉ only, U+2080-2089: ₊ ₋ ₌ ₍ ₎ end an
# identifier), subscript letters, ᵢ-ᵪ, and from v4.22 ⱼ (U+2C7C).
_SUBSCRIPTS = "\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a"
_LATIN_SUBSCRIPT = "\u2c7c"


def _ident_pattern(letters: str, subscripts: str) -> str:
    first = f"A-Za-z_{letters}"  # `isIdFirst`: Char.isAlpha is ASCII only
    rest = f"{first}0-9'!?{subscripts}"  # `isIdRest`
    # `identFnAux`: a component is «anything but »» or isIdFirst isIdRest*; `isIdCont`:
    # a `.` continues the name only before isIdFirst or «.
    atom = f"(?:«[^»]*»|[{first}][{rest}]*)"
    return f"{atom}(?:\\.(?=[{first}«]){atom})*"


IDENT = re.compile(_ident_pattern(_GREEK_AND_MATH + _LATIN, _SUBSCRIPTS + _LATIN_SUBSCRIPT))
ID_CHAR = re.compile(f"[A-Za-z_0-9'!?{_GREEK_AND_MATH}{_LATIN}{_SUBSCRIPTS}{_LATIN_SUBSCRIPT}]")
# Before v4.22 Latin letters and ⱼ were not identifier characters: `café` was `caf` `é`.
LEGACY_IDENT = re.compile(_ident_pattern(_GREEK_AND_MATH, _SUBSCRIPTS))
# What Lean v4.22 added to the identifier characters; only a text with one of these reads
# differently on older Lean.
VERSION_DEPENDENT = re.compile(f"[{_LATIN}{_LATIN_SUBSCRIPT}]")

# `charLitFnAux` + `quotedCharFn`: one character (any, even `"` or a line break) or an
# escape: \\ \" \' \r \n \t, \x and 2 hex digits, \u and exactly 4 (no `\u{...}`).
_CHAR = re.compile(r"""'(?:\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[\\"'rnt])|[^\\])'""", re.DOTALL)
# `numberFnAux`: 0b/0o/0x, else decimal with `_` separators (v4.16), `.`, exponent.
_NUMBER = re.compile(
    r"0[bB][01_]*|0[oO][0-7_]*|0[xX][0-9a-fA-F_]*"
    r"|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?"
)
_RAW_START = re.compile(r'r(#*)"')  # `isRawStrLitStart`, only where a token starts
_HASH_COMMAND = re.compile(r"#[A-Za-z_][A-Za-z_0-9]*")  # `#eval`, `#print`, `#guard_msgs`
_COMMENT_MARK = re.compile(r"/-|-/")
_SPACE = re.compile(r"[ \t\r\n]*")  # Lean's whitespace; other Unicode spaces are not
_NEWLINE = re.compile(r"\n")

# Syntax that reads the string after it with `interpolatedStr(term)` in core Lean
# (`s!`, `m!`, `f!` in Init/Data/ToString/Macro.lean and Lean/Message.lean; `throwError`,
# `throwErrorAt ref`, `trace[cls]`, `println!`, `dbg_trace`). Libraries may declare more:
# `lean_readings` reads every string interpolated as well, where that differs.
INTERPOLATING = frozenset({"s!", "m!", "f!", "throwError", "println!", "dbg_trace"})


class Piece(NamedTuple):
    kind: str  # "token", "string" (string, char or raw string) or "comment"
    start: int
    end: int


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


def string_end(text: str, at: int, *, interpolated: bool = False) -> tuple[int, bool]:
    """Where the string whose contents start at `at` ends (after its closing `"`, or
    after the `{` that opens an interpolant when `interpolated`; len(text) if never), and
    whether an interpolant opens there.

    `strLitFnAux`: a `\\` escapes the next character (a line break too: a string gap);
    `interpolatedStrFn` adds `\\{`.
    """
    n = len(text)
    while at < n:
        char = text[at]
        if char == "\\":
            at += 2
        elif char == '"' or (interpolated and char == "{"):
            return at + 1, char == "{"
        else:
            at += 1
    return n, False


def scan(text: str, *, interpolate_all: bool = False, legacy: bool = False) -> list[Piece]:
    """The tokens, literals and comments of `text`, in order, as Lean lexes it.

    Whitespace is skipped. A string read as interpolated (after `s!` and the like, or
    every string with `interpolate_all`) gives a "string" piece per literal chunk and the
    tokens of each `{...}` between them. `legacy`: the identifier rules before v4.22.
    """
    ident = LEGACY_IDENT if legacy else IDENT
    pieces: list[Piece] = []
    recent: list[str] = []  # the last few tokens: does a string after them interpolate?
    braces: list[int] = []  # per open interpolant, the `{` opened inside it
    at, n = 0, len(text)

    def literal(start: int, end: int) -> int:
        pieces.append(Piece("string", start, end))
        recent[:] = [*recent[-3:], '""']
        return end

    def string_from(start: int, contents: int) -> int:
        end, opens = string_end(text, contents, interpolated=True)
        if opens:
            braces.append(0)  # code follows, up to the `}` that closes this interpolant
        return literal(start, end)

    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]  # `*` always matches
        if at >= n:
            return pieces
        char = text[at]
        if text.startswith("--", at):
            end = text.find("\n", at)
            end = n if end < 0 else end
            pieces.append(Piece("comment", at, end))
            at = end
            continue
        if text.startswith("/-", at):
            end = block_comment_end(text, at)
            pieces.append(Piece("comment", at, end))
            at = end
            continue
        if char == '"':
            if interpolate_all or _opens_interpolation(recent):
                at = string_from(at, at + 1)
            else:
                at = literal(at, string_end(text, at + 1)[0])
        elif char == "}" and braces and braces[-1] == 0:
            braces.pop()
            at = string_from(at, at + 1)
        elif char == "'" and text[at + 1 : at + 2] != "'" and (lit := _CHAR.match(text, at)):
            at = literal(at, lit.end())
        elif char in "0123456789" and (number := _NUMBER.match(text, at)):
            at = _token(pieces, recent, text, at, number.end())
        elif char == "`" and (name := ident.match(text, at + 1)):
            at = _token(pieces, recent, text, at, name.end())  # a name literal, never a keyword
        elif char == "r" and (raw := _RAW_START.match(text, at)):
            close = text.find('"' + raw.group(1), raw.end())
            at = literal(at, n if close < 0 else close + 1 + len(raw.group(1)))
        elif word := ident.match(text, at):
            at = _token(pieces, recent, text, at, word.end())
        elif command := _HASH_COMMAND.match(text, at):
            at = _token(pieces, recent, text, at, command.end())
        else:
            width = 2 if text.startswith("@[", at) else 1
            if braces and char == "{":
                braces[-1] += 1
            elif braces and char == "}":
                braces[-1] -= 1
            at = _token(pieces, recent, text, at, at + width)


def _token(pieces: list[Piece], recent: list[str], text: str, start: int, end: int) -> int:
    pieces.append(Piece("token", start, end))
    recent.append(text[start:end])
    del recent[:-4]
    return end


def _opens_interpolation(recent: list[str]) -> bool:
    """Whether core Lean reads the string after the tokens `recent` as interpolated."""
    if recent and recent[-1] in INTERPOLATING:
        return True
    if len(recent) >= 2 and recent[-2] == "throwErrorAt":
        return True  # `throwErrorAt ref "..."`
    return recent[-4:-2] == ["trace", "["] and recent[-1] == "]"


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character (for turning offsets into lines)."""
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]
