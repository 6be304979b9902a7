"""What `leancli check` does around the API: files, progress, signals, exit codes."""

from __future__ import annotations

import errno
import gc
import logging
import os
import shlex
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from leancli import simulated
from leancli.cli.settings import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOTHING_TO_CHECK,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    EXIT_USAGE,
    RunSettings,
    fail_usage,
)
from leancli.config import CheckRequest
from leancli.errors import ConfigError, LeancliError
from leancli.executors import ExecutorUnavailable, make_executor
from leancli.inputs.items import (
    InputSpec,
    InvalidLine,
    Item,
    TemplateError,
    validate_template,
)
from leancli.inputs.sources import (
    STDIN,
    Source,
    SourceMap,
    count_items,
    expand_inputs,
    read_sources,
)
from leancli.options import CheckOptions
from leancli.records import Status
from leancli.run.resume import ResumeError, run_options

if TYPE_CHECKING:
    from rich.console import Console

    from leancli.cli.run_receipt import RunReceipt
    from leancli.progress import DisplayMode
    from leancli.run.cache import ResultCache

# rich, the progress display, the cache and the run loop are imported once the workers
# are starting, so that their start-up overlaps these imports instead of following them.


class Terminated(Exception):
    """SIGTERM arrived."""


@dataclass(frozen=True)
class InputFields:
    """Which fields of an input line make the snippet, its id and its statement."""

    code_field: str | None = None
    template: str | None = None
    id_field: str | None = None
    statement_field: str | None = None
    preamble_field: str | None = None
    first_pass_field: str | None = None
    extract: str | None = None
    passes: int = 1


def check_files(
    input_paths: Sequence[str],
    output: Path | None,
    fields: InputFields,
    request: CheckRequest,
    settings: RunSettings,
) -> int:
    """`leancli check`: resolve the options, run, and return the exit code."""
    from leancli.config import ExecutorKind, resolve

    try:
        spec = input_spec(fields)
        options = resolve(request)
    except LeancliError as exc:
        fail_usage(describe_error(exc))
    simulated_repl = simulated.is_simulated(request.repl or os.environ.get("LEANCLI_REPL", ""))
    if simulated_repl and not settings.quiet:
        print(f"leancli: --repl {simulated.NAME}: {simulated.NOTE}", file=sys.stderr)
    memory = options.worker.memory
    if memory.address_space_floor_mb > memory.address_space_mb > 0 and not settings.quiet:
        print(
            f"note: hard memory limit (RLIMIT_AS) raised from {memory.address_space_mb} to "
            f"{memory.address_space_floor_mb} MiB per REPL: what the imports' .olean files "
            "need, which Lean maps into its address space",
            file=sys.stderr,
        )
    if options.executor == ExecutorKind.LOCAL.value:
        _check_local_resources(options)
    if request.executor is ExecutorKind.RAY and request.min_free_memory:
        print("warning: --min-free-memory is ignored with --executor ray", file=sys.stderr)
    try:
        return run(input_paths, output, spec, options, settings)
    except KeyboardInterrupt:  # before the run loop took over (starting workers, say)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if exc.errno != errno.EMFILE:
            raise
        fail_usage("too many open files (`ulimit -n`): raise the limit or use fewer --workers")


FILES_PER_WORKER = 12  # its channel, sentinel, REPL pipes, and a margin for the standby


def _check_local_resources(options: CheckOptions) -> None:
    """Warn of far more workers than cores; make room for their open files (ulimit -n)."""
    import resource

    from leancli.options import usable_cores

    workers, cores = options.pool_size, usable_cores()
    if workers > 2 * cores:
        print(
            f"warning: --workers {workers} is far above the {cores} usable cores: the REPLs "
            "compete for them (and each needs its memory); the run is not faster",
            file=sys.stderr,
        )
    need = 64 + FILES_PER_WORKER * workers
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            fail_usage(
                f"{workers} workers need about {need} open files, and `ulimit -n` allows "
                f"{hard}: raise it (ulimit -n {need}) or use fewer --workers"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def describe_error(exc: LeancliError) -> str:
    """A library error as one line for the terminal, naming a field as its flag."""
    if isinstance(exc, ConfigError) and exc.option:
        flag = f"--{exc.option.replace('_', '-')}"
        # A reason that names its flag already is said once, not as "--x: --x ...".
        return exc.reason if exc.reason.startswith(flag) else f"{flag}: {exc.reason}"
    return str(exc)


def input_spec(fields: InputFields) -> InputSpec:
    if fields.template is not None:
        try:
            validate_template(fields.template)
        except TemplateError as exc:
            raise ConfigError("template", str(exc)) from exc
        if fields.code_field is not None and fields.extract is None:
            raise ConfigError(
                None, "--template and --code-field exclude each other (but for --extract)"
            )
    if fields.passes < 1:
        raise ConfigError("passes", f"must be at least 1, not {fields.passes}")
    if fields.passes != 1 and fields.first_pass_field is None:
        raise ConfigError(None, "--passes needs --first-pass")
    if fields.preamble_field is not None and fields.statement_field is None:
        raise ConfigError(None, "--preamble-field needs --statement-field")
    return InputSpec(
        fields.code_field,
        fields.template,
        fields.id_field,
        fields.statement_field,
        fields.preamble_field,
        fields.first_pass_field,
        extract=fields.extract,
        passes=fields.passes,
    )


def run(
    input_paths: Sequence[str],
    output: Path | None,
    spec: InputSpec,
    options: CheckOptions,
    settings: RunSettings,
) -> int:
    from leancli.cli.run_outputs import finish_reports, open_outputs, stale_results_dropper

    with ExitStack() as stack:
        items, total, source_map = _open_sources(input_paths, spec, settings, output)
        verdict = run_options(options)
        refresh = stale_results_dropper(input_paths, spec, settings, verdict)
        # Decided before fd 1 is pointed at stderr (see run_outputs._claim_stdout).
        mode = _progress_mode(settings, output)
        done, sink = open_outputs(input_paths, output, settings, source_map, stack, refresh)
        receipt = _first_receipt(output, options, spec, source_map, len(done))
        try:
            executor = stack.enter_context(make_executor(options))
        except ExecutorUnavailable as exc:
            fail_usage(str(exc))
        from rich.console import Console
        from rich.markup import escape

        from leancli.cli.resume_run import unanswered
        from leancli.progress import RunProgress
        from leancli.run.loop import ReplUnusable, check

        console = Console(stderr=True)
        _log_to(console, settings.verbose)
        _log_run(options, executor_name=options.executor)
        strict = _StopAtInvalid(items) if settings.strict else None
        if strict is not None:
            items = iter(strict)
        if len(done):
            items = unanswered(items, done, verdict)
            total = None if total is None else max(0, total - len(done))
        if len(done) and not settings.quiet:
            console.print(f"resuming: {len(done)} results already in {output}", highlight=False)
        cache = _open_cache(settings, options, stack)
        tracker = stack.enter_context(
            RunProgress(console, total, mode, interval=settings.progress_interval)
        )
        # Everything loaded so far (modules, mostly) lives as long as the process:
        # kept out of the collector's full passes, which would walk it again and again.
        gc.freeze()
        results = check(items, options, executor=executor, cache=cache, ordered=settings.ordered)
        stopped = 0
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            for result in results:
                tracker.advance(sink.write(result))
        except KeyboardInterrupt:
            stopped = EXIT_INTERRUPTED
        except Terminated:
            stopped = EXIT_TERMINATED
        except BrokenPipeError:  # the reader went away (`leancli check ... | head`)
            stopped = EXIT_BROKEN_PIPE
        except (ResumeError, ReplUnusable, ExecutorUnavailable) as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            stopped = EXIT_USAGE
        except OSError as exc:  # the output: a full disk, a vanished mount, a closed pipe
            reason = exc.strerror or str(exc)
            # --resume continues a file (-o): standard output leaves nothing to continue.
            advice = (
                f"cannot write {output}: {reason}; what was written before is intact "
                "(continue with --resume)"
                if output is not None
                else f"cannot write standard output: {reason}; to keep results and "
                "continue later, write them to a file: -o FILE (then --resume)"
            )
            console.print(
                f"[red]error:[/] {escape(advice)}",
                highlight=False,
                soft_wrap=True,
            )
            stopped = EXIT_OUTPUT
        finally:
            signal.signal(signal.SIGTERM, previous)
            results.close()
            executor.close()  # kills every worker and REPL before the summary
        # Also after Ctrl-C or SIGTERM (a CI job's time limit): what was checked is reported.
        report_failed = finish_reports(sink, console)
        stopped = stopped or report_failed
        if receipt is not None:
            complete = not stopped and (strict is None or strict.error is None)
            problem = receipt.write(complete=complete)
            if problem is not None:
                console.print(f"[red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
                stopped = stopped or EXIT_OUTPUT
    if strict is not None and strict.error is not None and not stopped:
        console.print(f"[red]error:[/] {escape(strict.error)}", highlight=False, soft_wrap=True)
        stopped = EXIT_USAGE
    if not settings.quiet:
        console.print(tracker.summary(interrupted=bool(stopped)), highlight=False, soft_wrap=True)
    if stopped:
        return stopped
    if tracker.done == 0 and not len(done) and not source_map.skipped:
        # As pytest's "no tests collected": a run that checked nothing did not pass.
        console.print(
            f"nothing to check: no snippets in {', '.join(input_paths)}",
            highlight=False,
            soft_wrap=True,
        )
        return EXIT_NOTHING_TO_CHECK
    # A resumed run answers for the whole file: a failure kept from before still counts.
    # A sample skipped under --first-pass counts as its problem's pass.
    passed = tracker.counts[Status.PASS] + tracker.counts[Status.SKIPPED]
    failed = tracker.done - passed + done.failed
    return EXIT_FAILED if failed else EXIT_OK


def _progress_mode(settings: RunSettings, output: Path | None) -> DisplayMode:
    from leancli.progress import display_mode

    on_stdout = output is None or settings.report_format == "github"
    return display_mode(settings.progress, settings.progress_interval, results_on_stdout=on_stdout)


def _first_receipt(
    output: Path | None,
    options: CheckOptions,
    spec: InputSpec,
    source_map: SourceMap,
    resumed: int,
) -> RunReceipt | None:
    """The run's receipt, written once before any REPL starts (exit 3 if it cannot be);
    None when the results go to standard output."""
    if output is None:
        return None
    from leancli.cli.run_receipt import RunReceipt

    receipt = RunReceipt(output, options, spec, source_map, resumed)
    problem = receipt.write(complete=False, ended=False)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_OUTPUT)
    return receipt


def _open_cache(
    settings: RunSettings, options: CheckOptions, stack: ExitStack
) -> ResultCache | None:
    if settings.cache_dir is None:
        return None
    import sqlite3

    from leancli.run.cache import ResultCache, verdict_options

    try:
        cache = ResultCache(settings.cache_dir, options.fingerprint, verdict_options(options))
    except (OSError, sqlite3.Error) as exc:
        fail_usage(f"--cache {settings.cache_dir}: {exc}")
    stack.callback(cache.close)
    return cache


def _open_sources(
    input_paths: Sequence[str], spec: InputSpec, settings: RunSettings, output: Path | None
) -> tuple[Iterator[Item | InvalidLine], int | None, SourceMap]:
    """The items of every input, how many there are (if known), and where each is from;
    refused when a file written (-o, --junit) is one of them."""
    from leancli.cli.output import refuse_overwriting_inputs

    try:
        sources = expand_inputs(input_paths, settings.globs)
        refuse_overwriting_inputs({"-o": output, "--junit": settings.junit}, sources)
    except LeancliError as exc:
        fail_usage(str(exc))
    from leancli.cli.settings import CLOSED_STREAMS

    if "stdin" in CLOSED_STREAMS and any(source.path == STDIN for source in sources):
        fail_usage("standard input is closed: give the input as a file, or pipe it into -")
    if settings.strict:
        _refuse_invalid_lines(sources, spec)
    source_map = SourceMap()
    items = read_sources(sources, spec, source_map, sys.stdin.buffer)
    return items, count_items(sources), source_map


def _refuse_invalid_lines(sources: Sequence[Source], spec: InputSpec) -> None:
    """--strict on files: read them all once before any REPL starts (a stream is read
    once only: it ends at its first invalid line instead, see `_StopAtInvalid`)."""
    for source in sources:
        if source.is_stream:
            continue
        source_map = SourceMap()
        for item in read_sources([source], spec, source_map, ()):
            if isinstance(item, InvalidLine):
                where = source_map.locate(item.line)
                fail_usage(f"{where.source}, line {where.line}: {item.error} (--strict)")


class _StopAtInvalid:
    """--strict on a stream: end the input at the first invalid line, and remember it."""

    def __init__(self, items: Iterator[Item | InvalidLine]) -> None:
        self._items = items
        self.error: str | None = None

    def __iter__(self) -> Iterator[Item | InvalidLine]:
        for item in self._items:
            if isinstance(item, InvalidLine):
                self.error = f"line {item.line}: {item.error} (--strict)"
                return
            yield item


def _log_run(options: CheckOptions, executor_name: str) -> None:
    """-v: the debug lines saying how this run checks (the REPL, workers, limits)."""
    logger = logging.getLogger("leancli")
    if not logger.isEnabledFor(logging.DEBUG):
        return
    worker = options.worker
    logger.debug("REPL: %s (from %s)", shlex.join(worker.repl.argv), worker.repl.source)
    if worker.repl.cwd is not None:
        logger.debug("REPL directory: %s", worker.repl.cwd)
    logger.debug("executor %s, %d workers", executor_name, options.pool_size)
    logger.debug(
        "timeout %gs, import timeout %gs, trust %s",
        worker.timeout,
        worker.import_timeout,
        worker.trust,
    )


def _log_to(console: Console, verbose: bool = False) -> None:
    from rich.logging import RichHandler

    logger = logging.getLogger("leancli")
    if not logger.handlers:
        logger.addHandler(RichHandler(console=console, show_path=False, show_time=False))
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated
