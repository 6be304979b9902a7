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
needs, since the words it looks for are identifiers to Lean. A token the snippet itself
declares can split text otherwise: `atom_changes_lexing` tells which ones do, and the
refusals refuse them. Where a string may be read plain or interpolated (by syntax other
than core's), `scan_reading` reads the ones asked interpolated.
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
# `numberFnAux`: 0b/0o/0x and at least one digit (else an error: here `0` and a name,
# as after a token `...0`), else decimal with `_` separators (v4.16), `.`, exponent.
_NUMBER = re.compile(
    r"0[bB][01][01_]*|0[oO][0-7][0-7_]*|0[xX][0-9a-fA-F][0-9a-fA-F_]*"
    r"|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?"
)
_RAW_START = re.compile(r'r(#*)"')  # `isRawStrLitStart`, only where a token starts
_HASH_COMMAND = re.compile(r"#[A-Za-z_][A-Za-z_0-9]*")  # `#eval`, `#print`, `#guard_msgs`
# Commands the refusals look for that a longer `#word` may start with.
_REFUSED_HASH_COMMANDS = ("#eval", "#exit")
_COMMENT_MARK = re.compile(r"/-|-/")
_SPACE = re.compile(r"[ \t\r\n]*")  # Lean's whitespace; other Unicode spaces are not
_NEWLINE = re.compile(r"\n")

# Syntax that reads the string after it with `interpolatedStr(term)` in core Lean
# (`s!`, `m!`, `f!` in Init/Data/ToString/Macro.lean and Lean/Message.lean; `throwError`,
# `throwErrorAt ref`, `trace[cls]`, `println!`, `dbg_trace`). Elsewhere a string may be
# interpolated too (`throwErrorAt (ref)`, a library's or the snippet's own syntax taking
# `interpolatedStr(term)`): `lexer.lean_readings` reads each such string both ways.
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


def _string_end(text: str, at: int, interpolated: bool) -> tuple[int, bool, bool]:
    """Where the string whose contents start at `at` ends (after its closing `"`, or
    after the `{` that opens an interpolant when `interpolated`; len(text) if never),
    whether an interpolant opens there, and whether it closed before the text ended.

    `strLitFnAux`: a `\\` escapes the next character (a line break too: a string gap);
    `interpolatedStrFn` adds `\\{`.
    """
    n = len(text)
    while at < n:
        char = text[at]
        if char == "\\":
            at += 2
        elif char == '"' or (interpolated and char == "{"):
            return at + 1, char == "{", True
        else:
            at += 1
    return n, False, False


class Scan(NamedTuple):
    """One reading of a text: its pieces, where a string could also be read the other way
    (a plain string holding `{`), whether every string and interpolant closed, and the
    states it passed outside any string (offset, last tokens): two readings passing the
    same one read the same from there on."""

    pieces: list[Piece]
    branches: list[int]
    closed: bool
    states: set[tuple[int, tuple[str, ...]]]


def scan(text: str, *, legacy: bool = False) -> list[Piece]:
    """The tokens, literals and comments of `text`, in order, as core Lean lexes it.

    Whitespace is skipped. A string read as interpolated (after `s!` and the like) gives
    a "string" piece per literal chunk and the tokens of each `{...}` between them.
    `legacy`: the identifier rules before v4.22.
    """
    return scan_reading(text, legacy=legacy).pieces


def scan_reading(text: str, *, legacy: bool = False, flips: frozenset[int] = frozenset()) -> Scan:
    """`scan`, with each string starting at an offset in `flips` read interpolated too (a
    library's syntax may take `interpolatedStr(term)` there), and what else could be."""
    ident = LEGACY_IDENT if legacy else IDENT
    pieces: list[Piece] = []
    branches: list[int] = []  # plain strings holding `{`: interpolated, they read otherwise
    recent: list[str] = []  # the last few tokens: does a string after them interpolate?
    braces: list[int] = []  # per open interpolant, the `{` opened inside it
    at, n = 0, len(text)
    closed = True
    states: set[tuple[int, tuple[str, ...]]] = set()

    def literal(start: int, end: int, ends: bool = True) -> int:
        nonlocal closed
        closed = closed and ends
        pieces.append(Piece("string", start, end))
        recent[:] = [*recent[-3:], '""']
        return end

    def string_from(start: int, contents: int) -> int:
        end, opens, ends = _string_end(text, contents, True)
        if opens:
            braces.append(0)  # code follows, up to the `}` that closes this interpolant
        return literal(start, end, ends)

    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]  # `*` always matches
        if at >= n:
            return Scan(pieces, branches, closed and not braces, states)
        if not braces:
            states.add((at, tuple(recent)))
        char = text[at]
        if (comment_end := _comment_end(text, at)) is not None:
            pieces.append(Piece("comment", at, comment_end))
            at = comment_end
            continue
        if char == '"':
            if _opens_interpolation(recent) or at in flips:
                at = string_from(at, at + 1)
            else:
                end, _, ends = _string_end(text, at + 1, False)
                if "{" in text[at:end]:
                    branches.append(at)
                at = literal(at, end, ends)
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
            at = literal(at, n if close < 0 else close + 1 + len(raw.group(1)), close >= 0)
        elif word := ident.match(text, at):
            at = _token(pieces, recent, text, at, word.end())
        elif command := _HASH_COMMAND.match(text, at):
            at = _token(pieces, recent, text, at, at + _hash_command_width(command.group()))
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


def _comment_end(text: str, at: int) -> int | None:
    """Where the comment starting at `at` ends (`--` to the line's end, nested `/- -/`),
    or None when none starts there."""
    if text.startswith("--", at):
        end = text.find("\n", at)
        return len(text) if end < 0 else end
    if text.startswith("/-", at):
        return block_comment_end(text, at)
    return None


def _hash_command_width(word: str) -> int:
    """How much of `#word` is one token. Lean takes the longest token of its table
    (`tokenFnAux`), not an identifier: `#evalx` is `#eval x`. leancli has no table, so a
    word starting with a command it refuses is read as that command."""
    return next((len(cut) for cut in _REFUSED_HASH_COMMANDS if word.startswith(cut)), len(word))


def _opens_interpolation(recent: list[str]) -> bool:
    """Whether core Lean reads the string after the tokens `recent` as interpolated (a
    string elsewhere may be too: `lean_readings` reads it both ways)."""
    if recent and recent[-1] in INTERPOLATING:
        return True
    if len(recent) >= 2 and recent[-2] == "throwErrorAt" and IDENT.fullmatch(recent[-1]):
        return True  # `throwErrorAt ref "..."`
    return recent[-4:-2] == ["trace", "["] and recent[-1] == "]"


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character (for turning offsets into lines)."""
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


_ESCAPE = re.compile(r'\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|([\\"\'nrt])|\n[ \t\r\n]*)')
_ESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


def string_value(source: str) -> str:
    """The characters a plain string literal `"..."` stands for (`quotedCharCoreFn`:
    `\\\\ \\" \\' \\n \\r \\t`, `\\x` and 2 hex digits, `\\u` and 4; a string gap)."""

    def char(escape: re.Match[str]) -> str:
        hex_code = escape[1] or escape[2]
        if hex_code:
            return chr(int(hex_code, 16))
        return _ESCAPED.get(escape[3], escape[3]) if escape[3] else ""

    return _ESCAPE.sub(char, source[1:-1] if source.endswith('"') else source[1:])


# What may follow an atom in the text and make leancli start a comment, a string, a char,
# a raw string, a name or a guillemet name where Lean goes on after the atom's token.
_OPENERS_INSIDE = ('"', "'", "`", "«")


def atom_changes_lexing(atom: str) -> bool:
    """Whether declaring the token `atom` (a `notation`, `syntax`, `macro` ... atom; Lean
    trims it) can make Lean read some text as code where leancli reads a comment, a
    string, a name or an identifier that hides a keyword.

    Lean takes the longest token of its table where a symbol starts, and an identifier
    only when the token is shorter (`tokenFnAux`, `identFnAux`'s `mkIdResult`); comments
    start only between tokens (`whitespace`). leancli, without a token table, reads the
    atom's text piece by piece, and the pieces agree with Lean's one token unless one
    opens a comment, string, char or guillemet name inside it (`x--`, `a"`, `+'`, `+«`,
    `` +` ``), or its last piece may go on into the text after it: an identifier (`x+y`:
    `x+yaxiom` is `x+y axiom` to Lean), `#word`, or a final `-` or `/` (`--`, `/-`).
    """
    atom = atom.strip(" \t\r\n")
    pieces = scan(atom)
    if not atom or any(piece.kind != "token" for piece in pieces):
        return bool(atom)
    if any(atom[piece.start] in _OPENERS_INSIDE for piece in pieces[1:]):
        return True
    last = atom[pieces[-1].start :]
    if last.startswith("#") and len(last) > 1:
        return True  # `#x` of `#xaxiom` to Lean (a symbol's longest token), all to leancli
    if len(pieces) == 1:
        return False  # an identifier, a number, a symbol: Lean reads what leancli does
    return bool(ID_CHAR.match(last[-1]) and not last[0].isdigit()) or last in ("-", "/")
