"""How Lean prints what the audit asks, for the simulated REPL (modelled on Lean's sources).

- `#print axioms NAME` (`Lean/Elab/Print.lean`, `printAxiomsOf`): ``'NAME' depends on
  axioms: [a, b]`` with the axioms sorted by `Name.lt`, or ``'NAME' does not depend on any
  axioms``. Names are printed as `MessageData.ofConstName` does: relative to the open
  namespaces unless `pp.fullNames` is set; a private declaration's name is the mangled
  `_private.<module>.0.NAME`; guillemets only where a component needs them. A list wider
  than Lean's default width (120) is broken after every comma, nested by one space, as
  `Format`'s group does.
- The message is reported at the `#print` token (recent Lean: `withRef tk`) or over the
  whole command (older Lean): same line, other columns and end.
- `set_option pp.raw true in #check @_root_.NAME` (`Lean/Elab/BuiltinCommand.lean`,
  `elabCheckCore`, `logInfoAt tk`; `pp.raw` prints `toString e`, `src/library/print.cpp`):
  ``NAME : TYPE`` at the `#check` token, binders as `forall (x : A) {y : B} [i : C], T`.
  The conclusion is the source text with notation unfolded, not an elaborated `Expr`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

WIDTH = 120
# The main module of a REPL command, as it appears in private names (an assumption: the
# REPL elaborates commands in a module of its own).
PRIVATE_PREFIX = "_private.REPL.0."
_ATOM = re.compile(r"[A-Za-z_\u03b1-\u03c9\u2100-\u214f][A-Za-z0-9_'!?\u03b1-\u03c9\u2080-\u209c]*")
_PART = re.compile(r"«([^»]*)»|([^.«»]+)")


def parts(name: str) -> list[str]:
    return [quoted or plain for quoted, plain in _PART.findall(name)]


def escaped(components: list[str]) -> str:
    """A name as Lean prints it: each component in guillemets only if it needs them."""
    return ".".join(c if _ATOM.fullmatch(c) else f"«{c}»" for c in components)


def shown(name: str, opens: list[str], full_names: bool) -> str:
    """How `ofConstName` shows the declared `name` (full, unescaped components joined)."""
    if name.startswith(PRIVATE_PREFIX):
        return PRIVATE_PREFIX + escaped(parts(name[len(PRIVATE_PREFIX) :]))
    components = parts(name)
    if not full_names:
        for namespace in sorted(opens, key=len, reverse=True):
            prefix = parts(namespace)
            if components[: len(prefix)] == prefix and len(components) > len(prefix):
                components = components[len(prefix) :]
                break
    return escaped(components)


def axioms_text(name: str, axioms: list[str], opens: list[str], full_names: bool) -> str:
    head = f"'{shown(name, opens, full_names)}'"
    if not axioms:
        return f"{head} does not depend on any axioms"
    listed = [shown(axiom, opens, full_names) for axiom in sorted(axioms, key=_name_order)]
    flat = f"{head} depends on axioms: [{', '.join(listed)}]"
    if len(flat) <= WIDTH:
        return flat
    return f"{head} depends on axioms: [" + ",\n ".join(listed) + "]"


def _name_order(name: str) -> tuple[int, list[str]]:
    """`Name.lt`: `Name.cmp` compares prefixes first, so a shallower name comes first."""
    return len(parts(name)), parts(name)


class Binder(NamedTuple):
    opener: str
    name: str
    type: str
    closer: str


def raw_type(signature: str, notations: dict[str, str]) -> str:
    """The type a declaration's signature (`(n : Nat) : n + 0 = n := ...`) states, as
    `pp.raw` prints it: one binder group per variable, `forall` before them."""
    text = " ".join(signature.split(":=")[0].split())
    for symbol, meaning in notations.items():
        text = text.replace(symbol, f"({meaning})")
    binders, rest = _binder_groups(text)
    conclusion = rest.strip().removeprefix(":").strip()
    if not binders:
        return conclusion
    shown = " ".join(f"{b.opener}{b.name} : {b.type}{b.closer}" for b in binders)
    return f"forall {shown}, {conclusion}"


def raw_binders(text: str) -> list[Binder]:
    """The binders of `(n m : Nat) [Foo n]`, one per variable (`inst` when unnamed)."""
    return _binder_groups(" ".join(text.split()))[0]


def _binder_groups(text: str) -> tuple[list[Binder], str]:
    binders: list[Binder] = []
    at = 0
    while True:
        while at < len(text) and text[at] == " ":
            at += 1
        if at >= len(text) or text[at] not in "({[":
            return binders, text[at:]
        depth, end = 0, at
        for end in range(at, len(text)):
            depth += 1 if text[end] in "({[" else -1 if text[end] in ")}]" else 0
            if depth == 0:
                break
        inside = text[at + 1 : end]
        names, colon, kind = inside.partition(" : ")
        if not colon:
            names, kind = "inst", inside
        binders += [Binder(text[at], name, kind.strip(), text[end]) for name in names.split()]
        at = end + 1
