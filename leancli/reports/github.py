"""GitHub Actions: an annotation per failing snippet (within GitHub's limits), and the
step summary.

GitHub reads workflow commands from the step's standard output, one a line:
`::error file=F,line=L,endLine=E,col=C,endColumn=D,title=T::MESSAGE`
(https://docs.github.com/actions/reference/workflow-commands-for-github-actions). A
message escapes `%`, CR and LF as `%25`, `%0D`, `%0A`; a property escapes `:` and `,`
too (`%3A`, `%2C`), as the runner reads them back (actions/toolkit, `command.ts`).

GitHub keeps "10 warning annotations, 10 error annotations, and 10 notice annotations per
step" and 50 per job (actions/toolkit, docs/problem-matchers.md, "Limitations"; the
runner keeps the first ones, `_maxIssueCount = 10` in actions/runner ExecutionContext.cs):
`Annotations` writes the first 10 errors (`fail`, `timeout`, ...) and 10 warnings
(`sorry`), then one notice saying how many more the step summary and the results hold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from leancli.reports import (
    display_name,
    failure_message,
    failure_span,
    is_failure,
    repository_path,
)

_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def escape_data(text: str) -> str:
    for char, escaped in _DATA_ESCAPES:  # `%` first: the escapes themselves contain it
        text = text.replace(char, escaped)
    return text


def escape_property(text: str) -> str:
    for char, escaped in _PROPERTY_ESCAPES:
        text = text.replace(char, escaped)
    return text


def workflow_command(command: str, properties: Mapping[str, object], message: str) -> str:
    """One workflow command line; properties that are None are left out."""
    shown = ",".join(
        f"{name}={escape_property(str(value))}"
        for name, value in properties.items()
        if value is not None
    )
    return f"::{command}{' ' + shown if shown else ''}::{escape_data(message)}"


# Per step and kind, as GitHub keeps them; a step's 10 + 10 + 1 stay under the job's 50.
ANNOTATIONS_PER_KIND = 10


def annotation_kind(data: dict[str, Any]) -> str:
    """`warning` for a `sorry` (Lean's own severity for it), `error` for other failures."""
    return "warning" if data.get("status") == "sorry" else "error"


def annotation(data: dict[str, Any], workspace: str | None = None) -> str | None:
    """The `::error` (or `::warning`) command for a failing result (None for one that passed).

    It points at the message behind the failure, in the source file's lines; columns are
    given only for a span on one line, as GitHub ignores them otherwise.
    """
    if not is_failure(data):
        return None
    span = failure_span(data)
    source = data.get("source")
    properties: dict[str, object] = {}
    if isinstance(source, str) and source != "-":
        properties["file"] = repository_path(source, workspace)
    if span is not None:
        properties["line"] = span.line
        if span.end_line is not None:
            properties["endLine"] = span.end_line
        if span.end_line in (None, span.line):
            properties["col"] = span.column
            properties["endColumn"] = span.end_column
    properties["title"] = f"leancli: {data.get('status')} {display_name(data)}"
    return workflow_command(annotation_kind(data), properties, failure_message(data))


class Annotations:
    """The annotations of one step: the first `ANNOTATIONS_PER_KIND` of each kind, and a
    count of those GitHub would drop."""

    def __init__(self, workspace: str | None = None) -> None:
        self.workspace = workspace
        self.written: Counter[str] = Counter()
        self.left_out: Counter[str] = Counter()

    def add(self, data: dict[str, Any]) -> str | None:
        """The command to write for `data`, or None (it passed, or is over the limit)."""
        if not is_failure(data):
            return None
        kind = annotation_kind(data)
        if self.written[kind] >= ANNOTATIONS_PER_KIND:
            self.left_out[kind] += 1
            return None
        self.written[kind] += 1
        return annotation(data, self.workspace)

    def closing_notice(self, unlisted: int = 0, results: bool = True) -> str | None:
        """One notice naming what was left out (None when nothing was); `unlisted` of them
        are not in the step summary either, `results`: a results file holds them all."""
        total = sum(self.left_out.values())
        if not total:
            return None
        kinds = " and ".join(
            f"{self.left_out[kind]} {kind}{'s' if self.left_out[kind] > 1 else ''}"
            for kind in ("error", "warning")
            if self.left_out[kind]
        )
        where = "the step summary and the results list them"
        if unlisted > 0:
            listed = f"the step summary lists {total - unlisted} of them"
            where = (
                f"{listed}, the results all"
                if results
                else (f"{listed}; {unlisted} are listed nowhere: pass -o FILE or --junit FILE")
            )
        elif not results:
            where = "the step summary lists them"
        message = (
            f"{total} more failing snippets ({kinds}) are not annotated: GitHub shows "
            f"{ANNOTATIONS_PER_KIND} annotations of each kind per step; {where}"
        )
        return workflow_command("notice", {"title": "leancli: more failures"}, message)


def step_summary_path(environ: Mapping[str, str]) -> Path | None:
    """The file GitHub shows as the step's summary (Markdown appended to it), if any."""
    path = environ.get("GITHUB_STEP_SUMMARY")
    return Path(path) if path else None


def link_base(environ: Mapping[str, str]) -> str:
    """`https://github.com/OWNER/REPO/blob/SHA/` in a workflow run, else `` (relative links)."""
    parts = [environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY")]
    sha = environ.get("GITHUB_SHA")
    if not all(parts) or not sha:
        return ""
    return f"{parts[0]}/{parts[1]}/blob/{sha}/"
