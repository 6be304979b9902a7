"""`example`s and unnamed `instance`s audited like theorems: each one named, so that
`#print axioms` can see it.

An `example` never enters the environment: Lean elaborates it exactly as a `def` and then
forgets it (`Lean/Elab/MutualDef.lean`, `elabMutualDef`: `if isExample views then
withoutModifyingEnv go`, where `go` is the path every `def` takes, compiled and all). So
`#print axioms` has nothing to print, and a `sorry` Lean does not warn about (under
`set_option warn.sorry false`, or through `admit` or `sorryAx _ false`) would pass.
An unnamed `instance` does enter it, under a name Lean makes up (`mkInstanceName`,
`Lean/Elab/DeclUtil.lean`) that the text does not show.

The audit therefore sends the snippet with each `example` keyword replaced by `def` and
a fresh name (`leancli_example_1`, ...), and each unnamed `instance` given one after its
keyword and any `(priority := ...)` (`instance leancli_instance_1 : ...`): the same
elaboration, now with a constant whose axioms can be printed. Each change sits on its
keyword's own line, so only columns after it on that line move; `restore_positions`
moves Lean's messages and sorries back to where they are in the text as written.

Pure functions; comments and strings are left as they are (`lexer.lex`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from leancli.verdict.lexer import ID_CHAR, IDENT, lex

KEYWORD = "example"
INSTANCE = "instance"
AUX_PREFIX = "leancli_example_"
AUX_INSTANCE_PREFIX = "leancli_instance_"
_KEYWORD = re.compile(r"example")
_CODE_TOKEN = re.compile(f"{IDENT.pattern}|@\\[|\\S")
# What follows the keyword (and priority) of an unnamed instance: its type or a binder.
_UNNAMED_NEXT = frozenset({":", "(", "[", "{", "⦃"})
# Tokens before `instance` where it is an attribute (`@[instance]`, `attribute [local
# instance] f`) or `deriving instance C for T`: no declaration to name.
_NOT_A_DECLARATION = frozenset({"deriving", "[", "@[", ","})


@dataclass(frozen=True)
class Spot:
    """One replaced keyword: its line (1-based), its column in the rewritten text, and
    how much longer the replacement is than `example`."""

    line: int
    column: int
    length: int
    added: int


@dataclass(frozen=True)
class NamedExamples:
    """The body with each `example` a named `def` and each unnamed `instance` named,
    where each was, and what each is called: short aux name -> the line of its keyword
    in the body."""

    text: str
    spots: tuple[Spot, ...] = ()
    lines: dict[str, int] | None = None

    def labelled(self, axioms: dict[str, list[str]], offset: int) -> dict[str, list[str]]:
        """`axioms` (declaration -> its axioms) with each aux name's entry under `label`."""
        return {self.label(name, offset): found for name, found in axioms.items()}

    def label(self, name: str, offset: int = 0) -> str:
        """How the audit names the declaration `name` to the user: an aux name (with any
        namespace) is `example (line N)` or `instance (line N)` at the input's line,
        anything else itself."""
        short = name.rsplit(".", 1)[-1]
        line = (self.lines or {}).get(short)
        if line is None:
            return name
        kind = INSTANCE if short.startswith(AUX_INSTANCE_PREFIX) else KEYWORD
        return f"{kind} (line {line + offset})"


class _Edit(NamedTuple):
    """`body[start:end]` replaced by `text`, which gives the declaration `name`."""

    start: int
    end: int
    text: str
    name: str


def name_examples(body: str) -> NamedExamples:
    """`body` with every `example` keyword (outside comments, strings and longer
    identifiers such as `Foo.example` or `example'`) replaced by `def <fresh name>`, and
    a fresh name after the keyword (and priority) of every unnamed `instance`."""
    if KEYWORD not in body and INSTANCE not in body:
        return NamedExamples(body)
    edits = sorted([*_example_edits(body), *_instance_edits(body)])
    if not edits:
        return NamedExamples(body)
    pieces: list[str] = []
    spots: list[Spot] = []
    lines: dict[str, int] = {}
    line, column, at = 1, 0, 0
    for edit in edits:
        before = body[at : edit.start]
        pieces.append(before)
        line, column = _advance(before, line, column)
        added = len(edit.text) - (edit.end - edit.start)
        spots.append(Spot(line, column, len(edit.text), added))
        lines[edit.name] = line
        pieces.append(edit.text)
        column += len(edit.text)
        at = edit.end
    pieces.append(body[at:])
    return NamedExamples("".join(pieces), tuple(spots), lines)


def _code_pieces(body: str) -> Iterator[tuple[int, str]]:
    """The code between comments and strings, each with its offset in `body`."""
    offset = 0
    for kind, piece in lex(body):
        if kind == "code":
            yield offset, piece
        offset += len(piece)


def _example_edits(body: str) -> list[_Edit]:
    edits: list[_Edit] = []
    for offset, piece in _code_pieces(body):
        for match in _KEYWORD.finditer(piece):
            if _is_keyword(piece, match.start(), match.end()):
                name = _fresh(body, AUX_PREFIX, len(edits) + 1)
                start, end = offset + match.start(), offset + match.end()
                edits.append(_Edit(start, end, f"def {name}", name))
    return edits


def _instance_edits(body: str) -> list[_Edit]:
    """A name inserted after each unnamed `instance` keyword and its `(priority := ...)`:
    one whose next token is its type (`:`) or a binder, as in Lean's grammar
    (`instance (priority := p)? declId? declSig`, Lean/Parser/Command.lean)."""
    if INSTANCE not in body:
        return []
    found = [
        (match.group(), offset + match.end())
        for offset, piece in _code_pieces(body)
        for match in _CODE_TOKEN.finditer(piece)
    ]
    tokens = [token for token, _ in found]
    edits: list[_Edit] = []
    for index, token in enumerate(tokens):
        if token != INSTANCE or _is_attribute(tokens, index):
            continue
        after = _past_priority(tokens, index + 1)
        if after < len(tokens) and tokens[after] in _UNNAMED_NEXT:
            name = _fresh(body, AUX_INSTANCE_PREFIX, len(edits) + 1)
            at = found[after - 1][1]  # the end of the keyword, or of the priority
            edits.append(_Edit(at, at, f" {name}", name))
    return edits


def _is_attribute(tokens: list[str], index: int) -> bool:
    before = tokens[index - 1] if index else ""
    if before in ("local", "scoped") and index > 1:
        before = tokens[index - 2]
    return before in _NOT_A_DECLARATION


def _past_priority(tokens: list[str], at: int) -> int:
    """The index after an `(priority := ...)` group starting at `at`, else `at`."""
    if tokens[at : at + 2] != ["(", "priority"]:
        return at
    depth = 0
    for index in range(at, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[index], 0)
        if depth == 0:
            return index + 1
    return len(tokens)


def _is_keyword(piece: str, start: int, end: int) -> bool:
    """Whether `example` at piece[start:end] is Lean's keyword: not part of a longer
    identifier (`isIdRest` on either side, a `.` joining name components, `»`). At a
    piece's start it follows a comment or a literal, which ends a token."""
    before = piece[start - 1] if start else ""
    after = piece[end : end + 1]
    if before and (ID_CHAR.match(before) or before in ".«»"):
        return False
    if after and (ID_CHAR.match(after) or after == "»"):
        return False
    # `example.foo` is one identifier to Lean (`identFn` reads the longest name).
    follow = piece[end + 1 : end + 2]
    return not (after == "." and follow and (ID_CHAR.match(follow) or follow == "«"))


def _fresh(body: str, prefix: str, count: int) -> str:
    name = f"{prefix}{count}"
    while name in body:  # never a name the snippet uses itself
        name += "_"
    return name


def _advance(text: str, line: int, column: int) -> tuple[int, int]:
    breaks = text.count("\n")
    if breaks:
        return line + breaks, len(text) - text.rfind("\n") - 1
    return line, column + len(text)


def restore_positions(entries: list[dict[str, Any]], named: NamedExamples) -> list[dict[str, Any]]:
    """Copies of Lean's messages or sorries for `named.text` with their columns as in the
    text as written (a position inside a replacement goes to the keyword's start), and
    the fresh names in their text as Lean names an example."""
    if not named.spots or not entries:
        return entries
    examples = [name for name in named.lines or {} if name.startswith(AUX_PREFIX)]
    names = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in examples) or "(?!)")
    return [_restored(entry, named.spots, names) for entry in entries]


def _restored(
    entry: dict[str, Any], spots: tuple[Spot, ...], names: re.Pattern[str]
) -> dict[str, Any]:
    moved = dict(entry)
    if isinstance(entry.get("data"), str):
        # Lean calls an example `_example` (`mkDefViewOfExample`): its messages do too.
        moved["data"] = names.sub("_example", entry["data"])
    for key in ("pos", "endPos"):
        pos = entry.get(key)
        if isinstance(pos, dict) and isinstance(pos.get("column"), int):
            column = _original_column(pos.get("line"), pos["column"], spots)
            moved[key] = {**pos, "column": column}
    return moved


def _original_column(line: Any, column: int, spots: tuple[Spot, ...]) -> int:
    shift = 0
    for spot in spots:
        if spot.line != line or spot.column >= column:
            continue
        if column < spot.column + spot.length:
            return spot.column - shift
        shift += spot.added
    return column - shift
