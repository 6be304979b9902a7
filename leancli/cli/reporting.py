"""Where `check` sends each result: the JSONL results, and the CI reports next to them.

With `--format github`, standard output carries GitHub's workflow commands (an
`::error` per failing snippet, as results arrive) and no JSONL: the results go to `-o
FILE` when one is given, else nowhere (the step summary and the exit code say how the
run went). With `--resume`, the results kept from the earlier run are reported too, so
the annotations, the summary and the JUnit file cover the whole input.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from leancli.inputs.sources import SourceMap, apply_expectation, with_source_positions
from leancli.records import Result
from leancli.reports import SKIPPED
from leancli.reports.github import Annotations, link_base, step_summary_path
from leancli.reports.junit import JUnitReport
from leancli.reports.markdown import Summary


class ReportFormat(str, enum.Enum):
    jsonl = "jsonl"
    github = "github"


class _LineWriter:
    """Each line with a single `os.write` of the whole line: a killed run leaves at most
    one torn line at the end of the file, never an interleaved one."""

    def __init__(self, stream: IO[bytes], *, fsync: bool = False) -> None:
        stream.flush()
        self._fd = stream.fileno()
        self._fsync = fsync

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self._fsync:
            os.fsync(self._fd)


@dataclass
class Sinks:
    """The streams of one run; None where nothing is written."""

    results: IO[bytes] | None
    annotations: IO[bytes] | None = None
    junit: JUnitReport | None = None
    summary: Summary | None = None
    fsync: bool = False


class ResultSink:
    """Turns each Result into its line (source, source positions, expectation) and
    hands it to every output of the run."""

    def __init__(
        self, source_map: SourceMap, sinks: Sinks, environ: Mapping[str, str] = os.environ
    ) -> None:
        self._map = source_map
        self._sinks = sinks
        self._environ = environ
        self._workspace = environ.get("GITHUB_WORKSPACE")
        self._results = (
            _LineWriter(sinks.results, fsync=sinks.fsync) if sinks.results is not None else None
        )
        self._annotations = (
            _LineWriter(sinks.annotations) if sinks.annotations is not None else None
        )
        self._annotated = Annotations(self._workspace)
        # Kept results without `source` (an older leancli's): reported at `finish`, when
        # the inputs have been read and the map knows each line's input.
        self._unplaced: list[dict[str, Any]] = []

    def write(self, result: Result) -> Result:
        """Write `result`; the Result as the run counts it (see `apply_expectation`)."""
        location = self._map.locate(result.line)
        counted, extra = apply_expectation(result, location)
        data = with_source_positions(counted.to_dict(), location)
        data.update(extra)
        if self._results is not None:
            self._results.write(orjson.dumps(data) + b"\n")
        self.report(data)
        return counted

    def report_kept(self, data: dict[str, Any]) -> None:
        """Add one result kept from an earlier run; one written before results named their
        `source` is placed by its run line once the inputs are read (see `finish`)."""
        if "source" not in data and isinstance(data.get("line"), int):
            self._unplaced.append(data)
        else:
            self.report(data)

    def report(self, data: dict[str, Any]) -> None:
        """Add one result (of this run, or kept from an earlier one) to the reports."""
        passed = data.get("skipped_for")
        if isinstance(passed, int) and "skipped_for_source" not in data:
            # The passing sample's line in its own input, not the run-wide line.
            at = self._map.locate(passed)
            data = {**data, "skipped_for_source": at.source, "skipped_for_line": at.line}
        annotated = True
        if self._annotations is not None:
            command = self._annotated.add(data)
            annotated = command is not None
            if command is not None:
                self._annotations.write(command.encode() + b"\n")
        if self._sinks.junit is not None:
            self._sinks.junit.add(data)
        if self._sinks.summary is not None:
            self._sinks.summary.add(data, annotated=annotated)

    def finish(self) -> None:
        """Add the skipped blocks; write the JUnit file, the step summary, and the notice of
        annotations left out."""
        results = self._results is not None or self._sinks.junit is not None
        for data in self._unplaced:
            self.report(with_source_positions(dict(data), self._map.locate(data["line"])))
        self._unplaced = []
        for block in self._map.skipped:
            skipped = {
                "id": block.id,
                "source": block.source,
                "source_line": block.line,
                "status": SKIPPED,
            }
            if self._sinks.junit is not None:
                self._sinks.junit.add(skipped)
            if self._sinks.summary is not None:
                self._sinks.summary.add(skipped)
        if self._sinks.junit is not None:
            self._sinks.junit.close()
            self._sinks.junit = None
        summary = self._sinks.summary
        unlisted = summary.unannotated_unlisted if summary is not None else 0
        notice = self._annotated.closing_notice(unlisted, results=results)
        if self._annotations is not None and notice is not None:
            self._annotations.write(notice.encode() + b"\n")
        summary_path = step_summary_path(self._environ)
        if self._sinks.summary is not None and summary_path is not None:
            text = self._sinks.summary.render(link_base(self._environ), self._workspace)
            with summary_path.open("a", encoding="utf-8") as handle:
                handle.write(text + "\n")

    def discard(self) -> None:
        if self._sinks.junit is not None:
            self._sinks.junit.discard()


def kept_results(output: Path) -> Iterator[dict[str, Any]]:
    """The results an earlier run wrote to `output` (read after `--resume` checked it)."""
    with output.open("rb") as handle:
        for raw in handle:
            if raw.strip():
                data = orjson.loads(raw)
                if isinstance(data, dict):
                    yield data
