"""A Markdown summary of results: counts per status, the failures, the slowest snippets.

It is GitHub's step summary under `check --format github`, and `leancli stats --markdown`
of any results file. Results are added one at a time; what is kept is bounded (the
first `FAILURES_SHOWN` failures, the `SLOWEST_SHOWN` slowest), whatever the run's size.
"""

from __future__ import annotations

import heapq
import html
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from leancli.records import Status
from leancli.reports import (
    SKIPPED,
    display_name,
    failure_message,
    failure_span,
    is_failure,
    pass_trust,
    repository_path,
    seconds_text,
    trust_text,
)
from leancli.reports.stats import StatsError

FAILURES_SHOWN = 50
SLOWEST_SHOWN = 10
MESSAGE_CHARS = 160
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


@dataclass(frozen=True, slots=True)
class Row:
    """One snippet as a table row shows it."""

    name: str
    status: str
    time: float
    source: str | None
    line: int | None
    message: str


@dataclass
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    passes_by_trust: Counter[str] = field(default_factory=Counter)
    total_time: float = 0.0
    failures_total: int = 0
    # Failures not annotated (GitHub's per-step limit) come first: the step summary is
    # where they are seen. (Input order, result number, row.)
    _unannotated: list[tuple[int, Row]] = field(default_factory=list)
    _annotated: list[tuple[int, Row]] = field(default_factory=list)
    unannotated_total: int = 0
    _slowest: list[tuple[float, int, Row]] = field(default_factory=list)

    @property
    def results(self) -> int:
        return sum(count for status, count in self.counts.items() if status != SKIPPED)

    @property
    def failures(self) -> list[Row]:
        """The failure rows shown (at most FAILURES_SHOWN, those not annotated first), in
        input order."""
        shown = self._unannotated + self._annotated[: FAILURES_SHOWN - len(self._unannotated)]
        return [row for _, row in sorted(shown, key=lambda entry: entry[0])]

    @property
    def unannotated_unlisted(self) -> int:
        """How many failures left out of the annotations the step summary does not list."""
        return self.unannotated_total - len(self._unannotated)

    def add(self, data: dict[str, Any], annotated: bool = True) -> None:
        """Count one result (a results line's dict, or a skipped block's); `annotated`:
        a failure's annotation was written (else the summary lists it first)."""
        status = str(data.get("status"))
        self.counts[status] += 1
        if (trust := pass_trust(data)) is not None:
            self.passes_by_trust[trust] += 1
        if status == SKIPPED:
            return
        time = data.get("time")
        seconds = float(time) if isinstance(time, (int, float)) else 0.0
        self.total_time += seconds
        row = _row(data, seconds)
        if is_failure(data):
            self.failures_total += 1
            order = sum(self.counts.values())
            if annotated:
                if len(self._annotated) < FAILURES_SHOWN:
                    self._annotated.append((order, row))
            else:
                self.unannotated_total += 1
                if len(self._unannotated) < FAILURES_SHOWN:
                    self._unannotated.append((order, row))
        entry = (seconds, -sum(self.counts.values()), row)  # ties: the earlier result first
        if len(self._slowest) < SLOWEST_SHOWN:
            heapq.heappush(self._slowest, entry)
        elif entry[:2] > self._slowest[0][:2]:
            heapq.heapreplace(self._slowest, entry)

    def slowest(self) -> list[Row]:
        return [row for _, _, row in sorted(self._slowest, key=lambda e: e[:2], reverse=True)]

    def render(self, link_base: str = "", workspace: str | None = None) -> str:
        """The summary as GitHub-flavoured Markdown; links are `link_base` + path + `#L`line."""
        results = self.results
        failed = self.failures_total
        lines = [
            f"### leancli: {results} snippets, {self.counts[Status.PASS.value]} passed, "
            f"{failed} failed",
            "",
            "| status | snippets |",
            "| --- | ---: |",
        ]
        order = list(dict.fromkeys([status.value for status in Status] + [SKIPPED]))
        extra = sorted(status for status in self.counts if status not in order)
        for status in order + extra:
            if self.counts[status]:
                lines.append(f"| {_cell(status)} | {self.counts[status]} |")
        if by_trust := trust_text(self.passes_by_trust):
            lines += ["", f"Passes by trust: {by_trust}."]
        lines += ["", f"Checking took {seconds_text(self.total_time)} s of REPL time in all."]
        failures = self.failures
        if failures:
            lines += ["", "#### Failures", "", "| snippet | status | message |"]
            lines.append("| --- | --- | --- |")
            for row in failures:
                link = _link(row, link_base, workspace)
                lines.append(f"| {link} | {row.status} | {_cell(row.message)} |")
            if self.failures_total > len(failures):
                lines += ["", f"... and {self.failures_total - len(failures)} more."]
        slowest = self.slowest()
        if slowest:
            lines += ["", "#### Slowest", "", "| snippet | status | time (s) |"]
            lines.append("| --- | --- | ---: |")
            for row in slowest:
                link = _link(row, link_base, workspace)
                lines.append(f"| {link} | {row.status} | {seconds_text(row.time)} |")
        return "\n".join(lines) + "\n"


def _row(data: dict[str, Any], seconds: float) -> Row:
    span = failure_span(data) if is_failure(data) else None
    line = span.line if span is not None else data.get("source_line")
    source = data.get("source")
    message = failure_message(data) if is_failure(data) else ""
    first = message.strip().split("\n", 1)[0]
    if len(first) > MESSAGE_CHARS or "\n" in message.strip():
        first = first[:MESSAGE_CHARS].rstrip() + " ..."
    return Row(
        name=display_name(data),
        status=str(data.get("status")),
        time=seconds,
        source=source if isinstance(source, str) and source != "-" else None,
        line=line if isinstance(line, int) else None,
        message=first,
    )


def _cell(text: str) -> str:
    """Text that stays inside one table cell and renders as itself."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text.replace("\n", " "), quote=False))


def _link(row: Row, link_base: str, workspace: str | None) -> str:
    if row.source is None:
        return _cell(row.name)
    target = repository_path(row.source, workspace)
    # GitHub renders a Markdown file and ignores `#L`; `?plain=1` shows its lines
    # (docs.github.com, "Creating a permanent link to a code snippet", Linking to Markdown).
    plain = "?plain=1" if target.lower().endswith((".md", ".markdown")) else ""
    anchor = f"#L{row.line}" if row.line is not None else ""
    # The path is quoted alone: a `%` (or `#`, `?`) in a file name is the name's own.
    url = link_base + urllib.parse.quote(target, safe="/:@+,;=") + plain + anchor
    return f"[{_cell(row.name)}]({url})"


def summarize(lines: Iterable[bytes | str]) -> Summary:
    """The summary of a results file's lines; StatsError names a line that is no result."""
    from leancli.reports.stats import result_objects

    summary = Summary()
    statuses = {status.value for status in Status}
    for number, data in result_objects(lines):
        if data.get("status") not in statuses:
            raise StatsError(number, f"missing or unknown status {data.get('status')!r}")
        summary.add(data)
    return summary
