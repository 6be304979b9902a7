"""The axiom audit: the `#print axioms` commands appended to a snippet, reading Lean's
answers back, and judging the axioms found (pure functions, no subprocess)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from leancli.records import Status
from leancli.verdict.lexer import name_parts, names_of, plain_name
from leancli.verdict.lexer import tokens as lean_tokens
from leancli.verdict.statement import check_command

ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
# `native_decide`, `decide +native` and `bv_decide` trust the compiler via these (Lean up
# to v4.28; `Lean.ofReduceNat` by hand).
NATIVE_DECIDE_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler"})
# From v4.29 (lean4#12217, `Lean/Meta/Native.lean` `nativeEqTrue`), each use is its own
# axiom named after the declaration: `<decl>._native.<tactic>.ax_1_1`.
_NATIVE_AUXILIARY = re.compile(r"ax(?:_\d+)+")
SORRY_AXIOM = "sorryAx"


# Lean prints the axioms relative to the open namespaces (`MessageData.ofConstName`):
# after `open Classical`, `Classical.choice` reads `choice`. Full names, always.
FULL_NAMES = "set_option pp.fullNames true"


def audit_tail(names: list[str], check: str | None = None) -> str:
    """The commands run after a snippet, one per line so that each answer is told by its
    line (Lean reports it at the `#print` token or at the command's start, by version):
    the full-names option, a `#print axioms` per name, then `check_command(check)`."""
    lines = [FULL_NAMES, *(f"#print axioms {name}" for name in names)]
    if check is not None:
        lines.append(check_command(check))
    return "\n".join(lines)


def inline_audit_command(
    body: str, check: str | None = None, *, axioms: bool = True, lemma: bool = True
) -> tuple[list[str], str | None]:
    """The names `declared_names(body)` gives, and `body` followed by `audit_tail`, so that
    one REPL request both checks and audits it. `lemma`: whether `lemma` declares
    (`lexer.lemma_is_keyword` of the imports).

    The command is None when there is nothing to print, or when Lean could read the
    body differently with lines after it: a body ending in `in` (`open Foo in`) would
    take the first command after it as its own. The tail starts two lines below the
    body's last line; `split_inline_audit` reads the answer back.
    """
    tokens = lean_tokens(body)
    names = names_of(tokens, lemma=lemma) if axioms else []
    if not (names or check) or (tokens and tokens[-1] == "in"):
        return names, None
    return names, f"{body}\n\n{audit_tail(names, check)}"


@dataclass(frozen=True)
class TailAnswer:
    """What the answers to `audit_tail` said: each name's axioms, the checked type."""

    axioms: dict[str, list[str]]
    checked: str | None = None


def split_inline_audit(
    body: str,
    names: list[str],
    messages: list[dict[str, Any]],
    sorries: list[dict[str, Any]],
    check: str | None = None,
) -> tuple[list[dict[str, Any]], TailAnswer] | None:
    """The body's own messages, and what the tail answered, from the answer to
    `inline_audit_command(body, check)`.

    None unless the tail gave exactly the answers it asks for and nothing else, and
    nothing of the body reached past its last line: then the tail changed how Lean read
    the body (an unterminated comment swallows it, say), or something forged a message,
    and only the body sent alone gives its true answer.
    """
    body_lines = body.count("\n") + 1
    own: list[dict[str, Any]] = []
    tail: list[dict[str, Any]] = []
    for message in messages:
        start, end = _line(message, "pos"), _line(message, "endPos")
        if start is None:
            return None
        if start <= body_lines:
            if end is not None and end > body_lines:
                return None
            own.append(message)
        else:
            tail.append(message)
    if any((_line(s, "pos") or 0) > body_lines for s in sorries):
        return None
    answer, problem = read_tail(tail, body_lines + 2, names, check)
    return None if problem is not None else (own, answer)


def read_tail(
    messages: list[dict[str, Any]], first_line: int, names: list[str], check: str | None
) -> tuple[TailAnswer, str | None]:
    """What the answers to `audit_tail(names, check)`, its first line at `first_line`,
    say, and what is wrong with them (None: exactly one answer per command, for the
    name it asked about, and nothing else)."""
    found: dict[str, list[str]] = {}
    checked: str | None = None
    problem: str | None = None
    for message in messages:
        index = (_line(message, "pos") or 0) - first_line - 1
        data = str(message.get("data", ""))
        if message.get("severity") == "error":
            problem = problem or f"cannot print {_asked(names, check, index)}: {data}"
        elif 0 <= index < len(names):
            parsed = parse_axioms_message(data)
            if parsed is None or printed_name(parsed[0]) != plain_name(names[index]):
                return TailAnswer(found), f"unexpected answer to #print axioms: {data}"
            if names[index] in found:
                return TailAnswer(found), f"two answers for {names[index]}"
            found[names[index]] = [printed_name(axiom) for axiom in parsed[1]]
        elif check is not None and index == len(names) and checked is None:
            checked = " ".join(data.split())
        else:
            return TailAnswer(found), f"unexpected message: {data}"
    missing = [name for name in names if name not in found]
    if problem is None and missing:
        problem = f"cannot print axioms of {missing[0]}: no answer"
    if problem is None and check is not None and checked is None:
        problem = f"cannot print the type of {check}: no answer"
    return TailAnswer(found, checked), problem


def _asked(names: list[str], check: str | None, index: int) -> str:
    if 0 <= index < len(names):
        return f"axioms of {names[index]}"
    return f"the type of {check}" if check is not None else "the audit"


_PRIVATE = re.compile(r"_private\.(?:(?:«[^»]*»|[^.«»]+)\.)*?0\.(?P<name>.+)", re.DOTALL)


def printed_name(name: str) -> str:
    """A name as Lean printed it, made comparable with a declared one: `_root_.` is
    dropped, a private name's `_private.<module>.0.` prefix too, guillemets removed."""
    name = name.strip().removeprefix("_root_.")
    if private := _PRIVATE.fullmatch(name):
        name = private["name"]
    return plain_name(name)


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
    """(pass, fail or sorry; error) from each declaration's axioms (`found`: every
    declaration of the snippet the audit printed).

    A disallowed axiom fails (it outranks `sorryAx`, as an error outranks a sorry);
    `sorryAx` alone gives "sorry". The error names every offending declaration/axiom.
    """
    if allow_native_decide:
        allowed = allowed | NATIVE_DECIDE_AXIOMS
    bad: list[str] = []
    sorry: list[str] = []
    for name, axioms in found.items():
        for axiom in axioms:
            # `s := t` lists `t`'s auxiliary axiom: any audited declaration's counts.
            native = axiom in NATIVE_DECIDE_AXIOMS or any(
                native_auxiliary_of(declared, axiom) for declared in found
            )
            if axiom == SORRY_AXIOM:
                sorry.append(f"`{name}` depends on `{SORRY_AXIOM}`")
            elif axiom not in allowed and not (native and allow_native_decide):
                hint = " (native_decide is not allowed)" if native else ""
                bad.append(f"`{name}` depends on axiom `{axiom}`{hint}")
    if bad:
        return Status.FAIL, "; ".join(bad)
    if sorry:
        return Status.SORRY, "; ".join(sorry)
    return Status.PASS, None


def native_auxiliary_of(declaration: str, axiom: str) -> bool:
    """Whether `axiom` is the one Lean (v4.29+) adds for a native computation in
    `declaration` (or in an auxiliary declaration under its name):
    `<declaration>._native.<tactic>.ax_<i>_<j>`."""
    own, parts = name_parts(declaration), name_parts(axiom)
    if len(parts) < len(own) + 3 or parts[: len(own)] != own:
        return False
    tail = parts[len(own) :]
    native_at = max((i for i, part in enumerate(tail) if part == "_native"), default=-1)
    return (
        native_at >= 0
        and native_at == len(tail) - 3
        and bool(_NATIVE_AUXILIARY.fullmatch(tail[-1]))
    )


def read_axioms_answer(
    names: list[str], messages: list[dict[str, Any]], check: str | None = None
) -> tuple[TailAnswer, str | None]:
    """What the answer to `audit_tail(names, check)`, sent alone, says, and why the audit
    failed when it is not exactly one answer per command (what could not be audited
    never passes)."""
    answer, problem = read_tail(messages, 1, names, check)
    return answer, None if problem is None else f"axiom audit: {problem}"
