"""`#guard_msgs` that would hide an error or a warning from the verdict (pure functions).

`#guard_msgs in cmd` takes the messages `cmd` logs off the message log, and puts back only
those its specification passes through (`Lean/Elab/GuardMsgs.lean`, `elabGuardMsgs`):
a message the specification drops is deleted, and a checked one is deleted when the doc
comment above expects it. The REPL then reports what is left, so an error or a `sorry`
warning of `cmd` never reaches leancli's verdict. Such a `#guard_msgs` is refused.

Which messages are dropped or checked follows `parseGuardMsgsSpec`: no specification,
or one of options only (`whitespace := lax`), checks everything; otherwise the first
element naming the message's severity (or `all`) decides, `check` when it names no
action, and a message no element names passes through. A checked message can only
vanish when the doc comment holds its text, which `messageToStringWithoutPos` starts
with `error:` or `warning:`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from leancli.verdict.lexer import lex

_GUARD = re.compile(r"(?<![\w.'!?])#guard_msgs\b")
_SPEC = re.compile(r"\s*(?:\((?P<spec>[^()]*)\))?\s*in\b")
_ELEMENT = re.compile(r"^(?:(?P<action>check|drop|pass)\s+)?(?P<severity>\w+)$")
SEVERITIES = ("error", "warning")


def guard_refusals(body: str, offset: int = 0) -> list[str]:
    """Why each `#guard_msgs` of `body` that can hide an error or a warning is refused,
    naming its line (`offset` added), or nothing."""
    if "#guard_msgs" not in body:
        return []
    return [f"{why} (line {line + offset})" for why, line in _hiding(body)]


def _hiding(body: str) -> Iterator[tuple[str, int]]:
    line, doc = 1, ""
    pieces = list(lex(body))
    for index, (kind, piece) in enumerate(pieces):
        if kind == "comment" and piece.startswith("/--"):
            doc = piece
        elif kind == "code":
            for match in _GUARD.finditer(piece):
                attached = doc if not piece[: match.start()].strip() else ""
                at = line + piece.count("\n", 0, match.start())
                after = piece[match.end() :] + "".join(p for _, p in pieces[index + 1 : index + 2])
                why = _why_hidden(after, attached)
                if why is not None:
                    yield why, at
            if piece.strip():
                doc = ""
        line += piece.count("\n")


def _why_hidden(after: str, doc: str) -> str | None:
    spec = _SPEC.match(after)
    if spec is None:
        return "`#guard_msgs` whose specification leancli cannot read could hide errors"
    elements = [e.strip() for e in (spec["spec"] or "").split(",") if e.strip()]
    for severity in SEVERITIES:
        action = _action(elements, severity, spec["spec"] is None)
        if action == "drop":
            return f"`#guard_msgs` dropping {severity}s hides them from the verdict"
        if action == "check" and f"{severity}:" in doc:
            return f"`#guard_msgs` expecting an {severity} hides it from the verdict"
    return None


def _action(elements: list[str], severity: str, unspecified: bool) -> str:
    """What the specification does with a message of `severity`: check, drop or pass.

    Options (`whitespace := lax`, `ordering := sorted`, `positions := true`) filter
    nothing: `parseGuardMsgsSpec` ends with `p?.getD fun _ => .check`, so a specification
    with no filter element checks every message, as none at all does."""
    filters = [_ELEMENT.match(" ".join(element.split())) for element in elements]
    parsed_filters = [parsed for parsed in filters if parsed is not None]
    if unspecified or not parsed_filters:
        return "check"
    for parsed in parsed_filters:
        if parsed["severity"] in (severity, "all"):
            return parsed["action"] or "check"
    return "pass"
