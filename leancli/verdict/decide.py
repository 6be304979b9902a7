"""The verdict on a snippet from everything the REPL answered (pure functions).

`decide` is the one place where `pass` is decided: from Lean's messages and sorries,
and, when the audit is on, the axioms each declaration depends on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from leancli.options import AuditOptions
from leancli.records import Outcome, Status
from leancli.verdict.axioms import ALLOWED_AXIOMS, judge_axioms
from leancli.verdict.statement import same_statement

# Recent Lean prints backticks, older versions quotes; lean4#11414 may name the
# declaration: ``declaration `foo` uses `sorry` ``.
SORRY_WARNING = re.compile(r"declaration (?:`[^\n]*?` )?uses (?:`sorry`|'sorry')")


def is_sorry_warning(message: dict[str, Any]) -> bool:
    data = str(message.get("data", ""))
    return message.get("severity") == "warning" and SORRY_WARNING.match(data) is not None


def classify(messages: list[dict[str, Any]], sorries: list[dict[str, Any]]) -> Status:
    """`fail` on any error, else `sorry` on any sorry, else `pass`."""
    if any(m.get("severity") == "error" for m in messages):
        return Status.FAIL
    if sorries or any(is_sorry_warning(m) for m in messages):
        return Status.SORRY
    return Status.PASS


def shift_positions(entries: list[dict[str, Any]], offset: int) -> list[dict[str, Any]]:
    """Copies of REPL messages or sorries with `pos`/`endPos` lines moved down by `offset`.

    Only the dicts that change are copied (a deep copy of every message costs more than
    a fast snippet's check); the input is left as it was.
    """
    if offset == 0 or not entries:
        return entries
    return [_shifted(entry, offset) for entry in entries]


def _shifted(entry: dict[str, Any], offset: int) -> dict[str, Any]:
    moved = dict(entry)
    for key in ("pos", "endPos"):
        pos = entry.get(key)
        if isinstance(pos, dict) and isinstance(pos.get("line"), int):
            moved[key] = {**pos, "line": pos["line"] + offset}
    return moved


def first_error(messages: list[dict[str, Any]]) -> str | None:
    for message in messages:
        if message.get("severity") == "error":
            return str(message.get("data", ""))
    return None


@dataclass(frozen=True)
class Evidence:
    """What the REPL answered about one snippet, gathered by the worker.

    `messages` and `sorries` are the snippet's own, with lines relative to its body
    (`offset` moves them to the input's lines). `axioms` holds each audited
    declaration's axioms (None: not read); `audit_failure`, the verdict and error when
    the audit could not be carried out, which a snippet Lean passes then gets.
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    sorries: list[dict[str, Any]] = field(default_factory=list)
    offset: int = 0
    axioms: dict[str, list[str]] | None = None
    audit_failure: tuple[Status, str] | None = None
    # The statement's type as Lean printed it in the import environment, and the same
    # `#check` in the snippet's environment (None: no answer).
    expected_type: str | None = None
    checked_type: str | None = None


def decide(evidence: Evidence, audit: AuditOptions, elapsed: float = 0.0) -> Outcome:
    """The outcome of one snippet: Lean's verdict, then, for a pass, the audit's."""
    messages = shift_positions(evidence.messages, evidence.offset)
    sorries = shift_positions(evidence.sorries, evidence.offset)
    status = classify(messages, sorries)
    error = first_error(messages) if status is Status.FAIL else None
    outcome = Outcome(status, elapsed, messages, sorries, error)
    if status is not Status.PASS or not (audit.enabled or evidence.expected_type is not None):
        return outcome
    if evidence.audit_failure is not None:
        failed, why = evidence.audit_failure
        return Outcome(failed, elapsed, messages, sorries, why, evidence.axioms)
    expected = evidence.expected_type
    if expected is not None and not same_statement(expected, evidence.checked_type):
        changed = (
            f"statement changed: the statement elaborates to `{evidence.expected_type}`, "
            f"the snippet's to `{evidence.checked_type or 'nothing'}`"
        )
        return Outcome(Status.FAIL, elapsed, messages, sorries, changed, evidence.axioms)
    if not audit.enabled:
        return outcome
    found = evidence.axioms if evidence.axioms is not None else {}
    allowed = ALLOWED_AXIOMS | audit.allowed
    judged, judged_error = judge_axioms(found, allowed, audit.allow_native_decide)
    return Outcome(judged, elapsed, messages, sorries, judged_error, found)
