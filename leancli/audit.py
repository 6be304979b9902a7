"""Auditing a passing snippet beyond Lean's messages (pure functions, no subprocess).

A snippet that elaborates without errors may still cheat: declare an axiom, switch off
the kernel check, trust compiled code, or drop the statement it was asked to prove.
These helpers find declaration names to `#print axioms`, parse Lean's answers, judge
the axioms, and spot cheats in the source text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from leancli.lexer import ID_CHAR, IDENT, strip_comments
from leancli.lexer import tokens as lean_tokens
from leancli.records import Status

ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
# `native_decide` (and `decide +kernel`'s cousins) trust the compiler via these.
NATIVE_DECIDE_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.trustCompiler"})
SORRY_AXIOM = "sorryAx"

# --- declarations -----------------------------------------------------------------------

# Declarations whose axioms can be printed (`example`s have no name).
_NAMED_DECLS = frozenset({"theorem", "lemma", "def", "abbrev", "instance"})


class _Decl(NamedTuple):
    keyword: str
    name: str | None  # full name, with the enclosing namespaces


_SCOPE_AND_DECL_WORDS = frozenset({"namespace", "section", "mutual", "end", "axiom", *_NAMED_DECLS})


def _declarations(tokens: list[str]) -> Iterator[_Decl]:
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
            yield _Decl(token, _full_name(scopes, name) if IDENT.fullmatch(name) else None)


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
    return _names(lean_tokens(body))


def _names(tokens: list[str]) -> list[str]:
    names: dict[str, None] = {}
    for decl in _declarations(tokens):
        if decl.keyword != "axiom" and decl.name is not None:
            names[decl.name] = None
    return list(names)


def inline_audit_command(body: str) -> tuple[list[str], str | None]:
    """The names `declared_names(body)` gives, and `body` followed by a `#print axioms`
    line per name, so that one REPL request both checks and audits it.

    The command is None when there is nothing to print, or when Lean could read the
    body differently with lines after it: a body ending in `in` (`open Foo in`) would
    take the first `#print` as its command. The prints start two lines below the body's
    last line; `split_inline_audit` reads the answer back.
    """
    tokens = lean_tokens(body)
    names = _names(tokens)
    if not names or tokens[-1] == "in":
        return names, None
    prints = "\n".join(f"#print axioms {name}" for name in names)
    return names, f"{body}\n\n{prints}"


def split_inline_audit(
    body: str,
    names: list[str],
    messages: list[dict[str, Any]],
    sorries: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, list[str]]] | None:
    """The body's own messages, and each name's axioms, from the answer to
    `inline_audit_command(body)`.

    None unless the lines after the body gave exactly one axioms message per name and
    nothing else, and nothing of the body reached past its last line: then the prints
    changed how Lean read the body (an unterminated comment swallows them, say), or
    something forged a message, and only the body sent alone gives its true answer.
    """
    body_lines = body.count("\n") + 1
    own: list[dict[str, Any]] = []
    found: dict[str, list[str]] = {}
    printed = 0
    for message in messages:
        start, end = _line(message, "pos"), _line(message, "endPos")
        if start is None:
            return None
        if start <= body_lines:
            if end is not None and end > body_lines:
                return None
            own.append(message)
            continue
        parsed = parse_axioms_message(str(message.get("data", "")))
        if start == body_lines + 1 or message.get("severity") != "info" or parsed is None:
            return None
        found[parsed[0]] = parsed[1]
        printed += 1
    if printed != len(names) or set(found) != set(names):
        return None
    if any((_line(s, "pos") or 0) > body_lines for s in sorries):
        return None
    return own, found


def _line(entry: dict[str, Any], key: str) -> int | None:
    pos = entry.get(key)
    line = pos.get("line") if isinstance(pos, dict) else None
    return line if isinstance(line, int) else None


# --- cheats -----------------------------------------------------------------------------


_CHEAT_WORDS = re.compile(
    r"axiom|skipKernelTC|addDeclWithoutChecking|implemented_by|extern|#exit|macro|elab|syntax"
)
# Ways to give a command a new meaning; with "print" in the text they could rewrite the
# `#print axioms` the audit runs in the snippet's environment.
_SYNTAX_EXTENSIONS = frozenset(
    {"macro_rules", "elab_rules", "macro", "elab", "syntax", "command_elab"}
)


def find_cheats(body: str) -> list[str]:
    """Reasons to refuse `body` whatever Lean says; empty if none. Ignores comments.

    Flagged, each because it lets an unsound proof be accepted:
    - `axiom` declarations: an axiom can state anything, `False` included.
    - `debug.skipKernelTC` (set to anything but false): the kernel stops re-checking
      declarations, so a metaprogram or elaborator bug can add ill-typed proofs.
    - `addDeclWithoutChecking`: adds a declaration to the environment unchecked.
    - `@[implemented_by]` / `@[extern]`: replace a definition's compiled code with
      arbitrary code, which `native_decide` (`Lean.ofReduceBool`) then trusts, so a
      decision procedure can be made to return `true` for a false proposition.
    - `#exit`: Lean stops reading the file, so whatever follows (the theorem, or the
      `#print axioms` added to audit it) is never checked.
    - a macro, elaborator or syntax definition in a text that mentions `print`: it
      could give `#print axioms`, which the audit runs afterwards, another meaning.
    Not flagged: `unsafe` and `partial` defs (safe declarations cannot use unsafe ones,
    and partial ones are opaque to the kernel), `native_decide` itself (judged by its
    axioms in `judge_axioms`), and `sorry` (seen in messages and as `sorryAx`).
    """
    if not _CHEAT_WORDS.search(body):
        return []  # the common case, without lexing the whole text
    tokens = lean_tokens(body)
    reasons: dict[str, None] = {}
    for decl in _declarations(tokens):
        if decl.keyword == "axiom":
            reasons[f"declares axiom `{decl.name or '?'}`"] = None
    for index, token in enumerate(tokens):
        before = tokens[index - 1] if index else ""
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        last = token.rsplit(".", 1)[-1]
        if last == "skipKernelTC" and not (before == "set_option" and after == "false"):
            reasons["`debug.skipKernelTC` turns off the kernel's type check"] = None
        elif last == "addDeclWithoutChecking":
            reasons["`addDeclWithoutChecking` adds a declaration without a kernel check"] = None
        elif token in ("implemented_by", "extern") and before in ("[", "@[", ","):
            reasons[f"`@[{token}]` swaps in compiled code that `native_decide` trusts"] = None
        elif token == "#exit":
            reasons["`#exit` stops Lean from checking the rest of the file"] = None
    if _SYNTAX_EXTENSIONS.intersection(tokens) and any("print" in t.lower() for t in tokens):
        reasons["new syntax or elaborators around `#print` could forge the axiom audit"] = None
    return list(reasons)


# --- axioms -----------------------------------------------------------------------------

_DEPENDS = re.compile(r"'(?P<name>.+?)' depends on axioms:\s*\[(?P<axioms>.*)\]", re.DOTALL)
_INDEPENDENT = re.compile(r"'(?P<name>.+?)' does not depend on any axioms", re.DOTALL)
_AXIOM_NAME = re.compile(r"(?:«[^»]*»|[^,\s«»])+")


def parse_axioms_message(data: str) -> tuple[str, list[str]] | None:
    """(name, axioms) from a `#print axioms NAME` message, or None for any other text.

    Handles both `'NAME' depends on axioms: [a, b]` (the list possibly wrapped over
    several indented lines) and `'NAME' does not depend on any axioms`.
    """
    data = data.strip()
    if match := _DEPENDS.fullmatch(data):
        return match["name"], _AXIOM_NAME.findall(match["axioms"])
    if match := _INDEPENDENT.fullmatch(data):
        return match["name"], []
    return None


def judge_axioms(
    found: dict[str, list[str]], allowed: frozenset[str], allow_native_decide: bool
) -> tuple[Status, str | None]:
    """(pass, fail or sorry; error) from each declaration's axioms.

    A disallowed axiom fails (it outranks `sorryAx`, as an error outranks a sorry);
    `sorryAx` alone gives "sorry". The error names every offending declaration/axiom.
    """
    if allow_native_decide:
        allowed = allowed | NATIVE_DECIDE_AXIOMS
    bad: list[str] = []
    sorry: list[str] = []
    for name, axioms in found.items():
        for axiom in axioms:
            if axiom == SORRY_AXIOM:
                sorry.append(f"`{name}` depends on `{SORRY_AXIOM}`")
            elif axiom not in allowed:
                hint = " (native_decide is not allowed)" if axiom in NATIVE_DECIDE_AXIOMS else ""
                bad.append(f"`{name}` depends on axiom `{axiom}`{hint}")
    if bad:
        return Status.FAIL, "; ".join(bad)
    if sorry:
        return Status.SORRY, "; ".join(sorry)
    return Status.PASS, None


# --- statement --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return " ".join(strip_comments(text).split())


def statement_present(code: str, statement: str) -> bool:
    """Whether `code` still contains `statement`, up to whitespace and comments.

    Both are compared with comments removed (so a statement hidden in a comment does
    not count, and an edited docstring does not matter) and whitespace runs collapsed.
    The statement must appear as a substring whose ends fall on token boundaries, so a
    trailing `:= by` may be followed by the proof, but `x = 1` does not match `x = 10`.
    Raises ValueError on an empty statement, which would match anything.
    """
    needle = _normalise(statement)
    if not needle:
        raise ValueError("empty statement")
    haystack = _normalise(code)
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (_joins(haystack, start - 1, start) or _joins(haystack, end - 1, end)):
            return True
        start = haystack.find(needle, start + 1)
    return False


def _joins(text: str, left: int, right: int) -> bool:
    """Whether text[left] and text[right] are both identifier characters (one token)."""
    if left < 0 or right >= len(text):
        return False
    return bool(ID_CHAR.match(text[left]) and ID_CHAR.match(text[right]))
