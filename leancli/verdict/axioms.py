"""The axiom audit: the `#print axioms` commands appended to a snippet, reading Lean's
answers back, and judging the axioms found (pure functions, no subprocess)."""

from __future__ import annotations

import re
from typing import Any

from leancli.records import Status
from leancli.verdict.lexer import names_of
from leancli.verdict.lexer import tokens as lean_tokens

ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
# `native_decide` (and `decide +kernel`'s cousins) trust the compiler via these.
NATIVE_DECIDE_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.trustCompiler"})
SORRY_AXIOM = "sorryAx"


def inline_audit_command(body: str) -> tuple[list[str], str | None]:
    """The names `declared_names(body)` gives, and `body` followed by a `#print axioms`
    line per name, so that one REPL request both checks and audits it.

    The command is None when there is nothing to print, or when Lean could read the
    body differently with lines after it: a body ending in `in` (`open Foo in`) would
    take the first `#print` as its command. The prints start two lines below the body's
    last line; `split_inline_audit` reads the answer back.
    """
    tokens = lean_tokens(body)
    names = names_of(tokens)
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


def print_axioms_command(names: list[str]) -> str:
    """The `#print axioms` lines for `names`, sent alone in the snippet's environment."""
    return "\n".join(f"#print axioms {name}" for name in names)


def read_axioms_answer(
    names: list[str], messages: list[dict[str, Any]]
) -> tuple[dict[str, list[str]], str | None]:
    """Each name's axioms from the answer to `print_axioms_command(names)`, and why the
    audit failed when some name got no answer (what could not be audited never passes)."""
    found: dict[str, list[str]] = {}
    for message in messages:
        parsed = parse_axioms_message(str(message.get("data", "")))
        if parsed is not None:
            found[parsed[0]] = parsed[1]
    missing = [name for name in names if name not in found]
    if not missing:
        return found, None
    detail = next(
        (str(m.get("data", "")) for m in messages if m.get("severity") == "error"), "no answer"
    )
    return found, f"axiom audit: cannot print axioms of {missing[0]}: {detail}"
