"""Reports on a run for CI: GitHub workflow commands and step summary, JUnit XML.

Every report reads results as they are written (the dicts of the JSONL lines, with
`source`, `source_line` and the messages' `source_pos`), so a results file written
earlier gives the same report as the run that wrote it. `stats` summarises a results file
(status counts, times, pass@k).

May import: `inputs.sources` (where a result came from) and the base modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from leancli.inputs.sources import STDIN

# The status the reports give a `lean skip` block (never written), as --first-pass
# writes for a sample skipped after its problem passed: neither is a failure.
SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Span:
    """Where in its source a failure is: 1-based lines, 1-based columns (or None)."""

    line: int
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


def seconds_text(seconds: float) -> str:
    """A time for a table: two decimals, or three digits and an exponent when huge (a
    results file may say anything: 1e308 s, or a total beyond any float, `inf`)."""
    return f"{seconds:.2f}" if abs(seconds) < 1e12 else f"{seconds:.3g}"


def is_failure(data: dict[str, Any]) -> bool:
    return data.get("status") not in ("pass", SKIPPED)


def display_name(data: dict[str, Any]) -> str:
    """The id, else where the snippet is."""
    if data.get("id") is not None:
        return str(data["id"])
    if data.get("source") not in (None, STDIN):
        return f"{data['source']}:{data.get('source_line', 1)}"
    return f"line {data.get('line')}"


TRUST_ORDER = ("kernel", "audit", "lean", "unknown")  # strongest first


def pass_trust(data: dict[str, Any]) -> str | None:
    """How far a pass was checked (`unknown` for a result written before `trust` was);
    None for a result that is not a pass."""
    if data.get("status") != "pass":
        return None
    trust = data.get("trust")
    return trust if isinstance(trust, str) and trust in TRUST_ORDER else "unknown"


def trust_text(counts: dict[str, int]) -> str:
    """`kernel 3, audit 1`: the passes by trust, strongest first; empty when none."""
    return ", ".join(f"{trust} {counts[trust]}" for trust in TRUST_ORDER if counts.get(trust))


def failure_message(data: dict[str, Any]) -> str:
    """Why the snippet did not pass: its error, else its first error or sorry message."""
    if data.get("error"):
        return str(data["error"])
    entry = _culprit(data)
    if entry is not None and entry.get("data"):
        return str(entry["data"])
    return str(data.get("status", "failed"))


def failure_span(data: dict[str, Any]) -> Span | None:
    """The source span of the message behind the failure, else the snippet's first line."""
    entry = _culprit(data)
    start = entry.get("source_pos") if entry is not None else None
    if isinstance(start, dict) and isinstance(start.get("line"), int):
        end = entry.get("source_end_pos") if entry is not None else None
        column = start.get("column")
        span = Span(start["line"], column + 1 if isinstance(column, int) else None)
        if isinstance(end, dict) and isinstance(end.get("line"), int):
            end_column = end.get("column")
            if isinstance(end_column, int) and end["line"] == start["line"]:
                end_column = max(end_column, span.column or 1)
            span = Span(span.line, span.column, end["line"], end_column)
        return span
    line = data.get("source_line")
    return Span(line) if isinstance(line, int) else None


def _culprit(data: dict[str, Any]) -> dict[str, Any] | None:
    """For a `fail`, its first error message; for a `sorry`, its first warning about a
    sorry ("declaration uses `sorry`", not an earlier linter's), else its first sorry, else
    its first warning."""
    messages = [m for m in data.get("messages") or [] if isinstance(m, dict)]
    status = data.get("status")
    if status == "fail":
        return next((m for m in messages if m.get("severity") == "error"), None)
    if status != "sorry":
        return None
    warnings = [m for m in messages if m.get("severity") == "warning"]
    about_sorry = next((m for m in warnings if "sorry" in str(m.get("data", ""))), None)
    if about_sorry is not None:
        return about_sorry
    sorries = [s for s in data.get("sorries") or [] if isinstance(s, dict)]
    if sorries:
        return sorries[0]
    return warnings[0] if warnings else None


def repository_path(path: str, workspace: str | None) -> str:
    """`path` relative to the checkout GitHub runs in, which annotations and links need."""
    if not workspace or path == STDIN:
        return path
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(workspace))
    return path if relative.startswith("..") else relative.replace(os.sep, "/")
