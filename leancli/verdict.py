"""Lean's verdict on a snippet from the REPL's messages and sorries (pure functions)."""

from __future__ import annotations

from typing import Any

from leancli.records import Status

# Recent Lean prints backticks, older versions quotes.
SORRY_WARNINGS = ("declaration uses `sorry`", "declaration uses 'sorry'")


def is_sorry_warning(message: dict[str, Any]) -> bool:
    data = str(message.get("data", ""))
    return message.get("severity") == "warning" and data.startswith(SORRY_WARNINGS)


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
