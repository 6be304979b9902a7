"""`example`s audited like theorems: each one named, so that `#print axioms` can see it.

An `example` never enters the environment: Lean elaborates it exactly as a `def` and then
forgets it (`Lean/Elab/MutualDef.lean`, `elabMutualDef`: `if isExample views then
withoutModifyingEnv go`, where `go` is the path every `def` takes, compiled and all). So
`#print axioms` has nothing to print, and a `sorry` Lean does not warn about (under
`set_option warn.sorry false`, or through `admit` or `sorryAx _ false`) would pass.

The audit therefore sends the snippet with each `example` keyword replaced by `def` and
a fresh name (`leancli_example_1`, ...): the same elaboration, now with a constant whose
axioms can be printed. The replacement sits on the keyword's own line, so only columns
after it on that line move; `restore_positions` moves Lean's messages and sorries back
to where they are in the text as written.

Pure functions; comments and strings are left as they are (`lexer.lex`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from leancli.verdict.lexer import ID_CHAR, lex

KEYWORD = "example"
AUX_PREFIX = "leancli_example_"
_KEYWORD = re.compile(r"example")


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
    """The body with each `example` a named `def`, where each was, and what each is
    called: short aux name -> the line of its `example` in the body."""

    text: str
    spots: tuple[Spot, ...] = ()
    lines: dict[str, int] | None = None

    def labelled(self, axioms: dict[str, list[str]], offset: int) -> dict[str, list[str]]:
        """`axioms` (declaration -> its axioms) with each example's entry under `label`."""
        return {self.label(name, offset): found for name, found in axioms.items()}

    def label(self, name: str, offset: int = 0) -> str:
        """How the audit names the declaration `name` to the user: an aux name (with any
        namespace) is `example (line N)` at the input's line, anything else itself."""
        short = name.rsplit(".", 1)[-1]
        line = (self.lines or {}).get(short)
        return name if line is None else f"example (line {line + offset})"


def name_examples(body: str) -> NamedExamples:
    """`body` with every `example` keyword (outside comments, strings and longer
    identifiers such as `Foo.example` or `example'`) replaced by `def <fresh name>`."""
    if KEYWORD not in body:
        return NamedExamples(body)
    pieces: list[str] = []
    spots: list[Spot] = []
    lines: dict[str, int] = {}
    line, column, count = 1, 0, 0
    for kind, piece in lex(body):
        if kind != "code":
            pieces.append(piece)
            line, column = _advance(piece, line, column)
            continue
        at = 0
        for match in _KEYWORD.finditer(piece):
            if not _is_keyword(piece, match.start(), match.end()):
                continue
            count += 1
            name = _fresh(body, count)
            replacement = f"def {name}"
            before = piece[at : match.start()]
            pieces.append(before)
            line, column = _advance(before, line, column)
            spots.append(Spot(line, column, len(replacement), len(replacement) - len(KEYWORD)))
            lines[name] = line
            pieces.append(replacement)
            column += len(replacement)
            at = match.end()
        rest = piece[at:]
        pieces.append(rest)
        line, column = _advance(rest, line, column)
    return NamedExamples("".join(pieces), tuple(spots), lines)


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


def _fresh(body: str, count: int) -> str:
    name = f"{AUX_PREFIX}{count}"
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
    names = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in named.lines or {}))
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
