"""Where the results of `check` go: the claimed `-o` file or stdout, and the reports."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING

from leancli.cli.settings import EXIT_OUTPUT, RunSettings, fail_usage
from leancli.errors import LeancliError
from leancli.inputs.items import InputSpec
from leancli.inputs.sources import SourceError, SourceMap, expand_inputs
from leancli.run.resume import DoneLines

if TYPE_CHECKING:
    from rich.console import Console

    from leancli.cli.reporting import ResultSink


def open_outputs(
    input_paths: Sequence[str],
    output: Path | None,
    settings: RunSettings,
    source_map: SourceMap,
    stack: ExitStack,
    refresh: _Refresh | None = None,
) -> tuple[DoneLines, ResultSink]:
    """What the output already answers, and where each result goes (see cli/reporting.py)."""
    from leancli.cli.reporting import ReportFormat, ResultSink, Sinks, kept_results
    from leancli.reports.junit import JUnitReport
    from leancli.reports.markdown import Summary

    github = settings.report_format == ReportFormat.github.value
    done, results = _claim_output(input_paths, output, settings, stack, refresh)
    sinks = Sinks(results, fsync=settings.fsync)
    if github:
        sinks.annotations = results if output is None else _claim_stdout(stack)
        sinks.results = None if output is None else results
        sinks.summary = Summary()
    if settings.junit is not None:
        try:
            sinks.junit = JUnitReport(settings.junit)
        except OSError as exc:
            fail_usage(f"--junit {settings.junit}: {exc.strerror or exc}")
    sink = ResultSink(source_map, sinks)
    stack.callback(sink.discard)
    if len(done) and output is not None and (github or settings.junit is not None):
        for data in kept_results(output):
            sink.report_kept(data)
    return done, sink


def finish_reports(sink: ResultSink, console: Console) -> int:
    try:
        sink.finish()
    except OSError as exc:
        from rich.markup import escape

        where = escape(str(exc.filename or "a report"))
        console.print(
            f"[red]error:[/] cannot write {where}: {escape(str(exc.strerror or exc))}",
            highlight=False,
            soft_wrap=True,
            markup=True,
        )
        return EXIT_OUTPUT
    return 0


def _claim_output(
    input_paths: Sequence[str],
    output: Path | None,
    settings: RunSettings,
    stack: ExitStack,
    refresh: _Refresh | None = None,
) -> tuple[DoneLines, IO[bytes]]:
    """What the output already answers, and the stream results go to."""
    if settings.resume and settings.force:
        fail_usage("--resume and --force exclude each other")
    if output is None:
        if settings.resume:
            fail_usage("--resume needs -o FILE: the results of the earlier run")
        return DoneLines(), _claim_stdout(stack)
    from leancli.cli.output import claim_output

    try:
        fd, done = claim_output(output, input_paths, resume=settings.resume, force=settings.force)
        if len(done) and refresh is not None:
            fd = refresh(output, fd, done)
    except LeancliError as exc:
        fail_usage(str(exc))
    except OSError as exc:
        fail_usage(f"cannot read {output}: {exc.strerror or exc}")
    return done, stack.enter_context(os.fdopen(fd, "wb"))


_Refresh = Callable[[Path, int, DoneLines], int]


def stale_results_dropper(
    input_paths: Sequence[str], spec: InputSpec, settings: RunSettings, verdict: bytes
) -> _Refresh:
    """What rewrites a resumed output without the results of lines changed since."""

    def refresh(output: Path, fd: int, done: DoneLines) -> int:
        from leancli.cli.resume_run import drop_results, stale_lines

        try:
            sources = expand_inputs(input_paths, settings.globs)
        except SourceError:
            return fd  # reported when the inputs are opened
        stale = stale_lines(sources, spec, done, verdict)
        if not stale:
            return fd
        try:
            fd = drop_results(output, fd, stale)
        except BaseException:
            os.close(fd)
            raise
        for line in stale:
            done.forget(line)
        return fd

    return refresh


def _claim_stdout(stack: ExitStack) -> IO[bytes]:
    """Results get a private copy of stdout; fd 1 points at stderr meanwhile, so that
    nothing else (Ray's log lines, a library's print) can slip into the JSONL."""
    from leancli.cli.settings import CLOSED_STREAMS

    if "stdout" in CLOSED_STREAMS:
        fail_usage("standard output is closed: write the results to a file with -o FILE")
    sys.stdout.flush()
    results_fd = os.dup(1)
    saved_fd = os.dup(1)
    os.dup2(2, 1)

    def restore() -> None:
        sys.stdout.flush()
        os.dup2(saved_fd, 1)
        os.close(saved_fd)

    stack.callback(restore)
    return stack.enter_context(os.fdopen(results_fd, "wb"))
