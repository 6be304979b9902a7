"""The statement check's question to Lean, and its comparison of the two answers.

The question is `set_option pp.raw true in #check @_root_.NAME`:

- `_root_.NAME` names the declared constant itself: a local of the same name (a section
  `variable (NAME : 2 + 2 = 5)`, which `#check @NAME` would show) never matches it, as
  `resolveLocalName` compares a local's user name with the whole identifier, while
  `_root_` is resolved as an absolute global name, private ones included
  (`ResolveName.resolveExact`).
- `pp.raw` prints the elaborated `Expr` with `toString` (`Lean/Util/PPExt.lean`,
  `ppExprWithInfos`: `if pp.raw.get ctx.opts then return format (toString e)`), which is
  the kernel's own printer (`src/library/print.cpp`, `lean_expr_dbg_to_string`): no
  delaborator, unexpander, notation or `pp` option of the snippet takes part.

The answers are compared up to the names of bound variables, as SafeVerify compares
statements (`Expr` `==` is `Expr.eqv`, "alpha equivalent... binder annotations are
ignored" in `src/Lean/Expr.lean`; binder annotations are printed here and so still
compared). `print.cpp` prints `forall (x : A), B`, `fun (x : A) => b`, `{x : A}`,
`[x : A]`, `{{x : A}}`, `A -> B` and `let x : A := v; b`, and picks each binder's name so
that no constant whose root is that name, and no other variable of that name, occurs in
its scope (`pick_unused_name`): within its scope, the binder's name means the binder.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r'"(?:\\.|[^"\\])*"'  # a string literal
    r"|\{\{|\}\}|=>|->|:=|[(){}\[\],:;]"
    r"|(?:[^\s(){}\[\],:;\".]|\.(?!\{))+(?:\.\{[^}]*\})?"  # a name, with its universe levels
)
_OPENERS = frozenset({"(", "{", "[", "{{"})
_CLOSERS = frozenset({")", "}", "]", "}}"})
_BINDERS = frozenset({"forall", "fun"})
_PROJECTION = re.compile(r"(?P<base>.+?)(?P<fields>(?:\.\d+)+)")


def check_command(name: str) -> str:
    """The one-line `#check` that prints the type of the constant `name` as an `Expr`."""
    return f"set_option pp.raw true in #check @_root_.{name}"


def canonical(printed: str) -> str:
    """`printed` (a raw `Expr` print) with each bound variable named by its depth."""
    tokens = _TOKEN.findall(printed)
    out: list[str] = []
    bound: list[tuple[str, str, int]] = []  # (name, canonical name, bracket depth)
    binders: list[int] = []  # depths where binder groups are being read (`forall`, `fun`)
    pending: dict[int, str] = {}  # depth -> the variable of the group open there
    lets: list[tuple[str, int, int]] = []  # (name, depth, bound so far) before its `;`
    depth = 0
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else ""
        if token in _BINDERS:
            binders.append(depth)
        elif previous in _OPENERS and binders and binders[-1] == depth - 1:
            pending[depth - 1] = token  # bound once its type is read
            token = f"_b{len(bound)}"
        elif previous == "let":
            lets.append((token, depth, len(bound)))
            token = f"_b{len(bound)}"
        elif token in _OPENERS:
            depth += 1
        elif token in _CLOSERS:
            depth -= 1
            bound = [entry for entry in bound if entry[2] <= depth]
            if depth in pending and binders and binders[-1] == depth:
                bound.append((pending.pop(depth), f"_b{len(bound)}", depth))
        elif token in (",", "=>") and binders and binders[-1] == depth:
            binders.pop()
        elif token == ";" and lets and lets[-1][1] == depth:
            name, _, mark = lets.pop()
            del bound[mark:]  # a `fun` in the value ends with it
            bound.append((name, f"_b{len(bound)}", depth))
        else:
            token = _renamed(token, bound)
        out.append(token)
    return " ".join(out)


def _renamed(token: str, bound: list[tuple[str, str, int]]) -> str:
    projection = _PROJECTION.fullmatch(token)
    base, fields = (projection["base"], projection["fields"]) if projection else (token, "")
    for name, renamed, _ in reversed(bound):
        if name == base:
            return renamed + fields
    return token


def same_statement(expected: str, checked: str | None) -> bool:
    """Whether Lean's two raw prints show the same `Expr`, up to bound variables' names."""
    return checked is not None and canonical(expected) == canonical(checked)
