"""What `leancli check` does around the API: files, progress, signals, exit codes."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, NoReturn

from leancli import simulated
from leancli.discovery import Discovery
from leancli.executors import ExecutorUnavailable, make_executor
from leancli.items import (
    InputSpec,
    InvalidLine,
    Item,
    TemplateError,
    read_items,
    validate_template,
)
from leancli.options import CheckOptions, LeanOptions, ReplSpec
from leancli.records import Status
from leancli.results import ResultWriter
from leancli.resume import DoneLines, ResumeError, prepare_output

if TYPE_CHECKING:
    from rich.console import Console

    from leancli.result_cache import ResultCache

# rich, the progress display, the cache and the run loop are imported once the workers
# are starting, so that their start-up overlaps these imports instead of following them.

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
EXIT_BROKEN_PIPE = 141  # what a shell reports for a process that SIGPIPE ended


class UsageError(Exception):
    """Bad options or arguments: exit 2 with the message."""


class Terminated(Exception):
    """SIGTERM arrived."""


def fail_usage(message: str) -> NoReturn:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(EXIT_USAGE)


def input_spec(
    code_field: str | None,
    template: str | None,
    id_field: str | None,
    statement_field: str | None = None,
) -> InputSpec:
    if template is not None:
        try:
            validate_template(template)
        except TemplateError as exc:
            raise UsageError(str(exc)) from exc
        if code_field is not None:
            raise UsageError("--template and --code-field exclude each other")
    return InputSpec(code_field, template, id_field, statement_field)


def resolve_repl(repl: str | None, project: Path | None, *, incremental: bool) -> Discovery:
    """The REPL from --repl / LEANCLI_REPL, else the one `leancli doctor` would find."""
    from leancli.discovery import discover_repl

    if project is not None and not project.is_dir():
        raise UsageError(f"--project {project}: no such directory")
    try:
        found = discover_repl(repl or None, project, incremental=incremental)
    except ValueError as exc:
        raise UsageError(f"--repl: {exc}") from exc
    if found.spec is None:
        raise UsageError(
            "no Lean REPL found. Pass --repl 'PATH/TO/repl' (or set LEANCLI_REPL), "
            "or run `leancli setup` to build one for your toolchain; "
            "`leancli doctor` explains what is missing."
        )
    if found.spec.argv == simulated.argv():
        print(f"leancli: {found.notes[-1]}", file=sys.stderr)
    return found


def require_executable(spec: ReplSpec) -> None:
    """Fail fast, rather than crash on every snippet, when the REPL command is missing."""
    program = spec.argv[0]
    if shutil.which(program, path=os.environ.get("PATH")) is None and not (
        os.sep in program and os.access(program, os.X_OK)
    ):
        raise UsageError(
            f"the REPL command {program!r} is not found or not executable "
            f"({spec.source}: {spec.describe()}); `leancli doctor` explains what is missing"
        )


def environment_fingerprint(found: Discovery) -> str:
    from leancli.result_cache import fingerprint

    assert found.spec is not None
    version = found.lean_version.tag if found.lean_version is not None else None
    return fingerprint(found.spec, version)


def lean_options(
    found: Discovery, *, heartbeats: int | None, elab_async: bool, incremental: bool
) -> LeanOptions:
    """The Lean options in the form the REPL's Lean version accepts."""
    from leancli.toolchain import elab_async_refusal

    if elab_async:
        refusal = elab_async_refusal(found.lean_version)
        if refusal is not None:
            raise UsageError(refusal)
    if incremental and found.supports_incremental is False:
        from leancli.discovery import setup_command

        raise UsageError(
            "--incremental needs LeanInteract's REPL fork, which the REPL in use is not: "
            + setup_command(None, fork=True)
        )
    # Elab.async exists from v4.19.0: off is said explicitly only where the option exists.
    async_option = True if elab_async else (False if found.supports_elab_async else None)
    return LeanOptions(heartbeats=heartbeats, elab_async=async_option, incremental=incremental)


@dataclass(frozen=True)
class RunSettings:
    """How `check` treats its files and terminal, beyond what the API needs."""

    progress: bool = True
    resume: bool = False
    force: bool = False
    fsync: bool = False
    strict: bool = False
    cache_dir: Path | None = None
    fingerprint: str = ""


def sandboxed(spec: ReplSpec) -> ReplSpec:
    from leancli.sandbox import SandboxUnavailable
    from leancli.sandbox import sandboxed as wrap

    try:
        return wrap(spec)
    except SandboxUnavailable as exc:
        raise UsageError(str(exc)) from exc


def run(
    input_path: str,
    output: Path | None,
    spec: InputSpec,
    options: CheckOptions,
    settings: RunSettings,
) -> int:
    with ExitStack() as stack:
        if settings.strict and input_path != "-":
            _refuse_invalid_lines(Path(input_path), spec)
        source, total = _open_input(input_path, stack)
        done = _prepare_output(output, settings)
        sink = _open_output(output, stack)
        try:
            executor = stack.enter_context(make_executor(options))
        except ExecutorUnavailable as exc:
            fail_usage(str(exc))
        from rich.console import Console
        from rich.markup import escape

        from leancli.progress import RunProgress
        from leancli.run import check

        console = Console(stderr=True)
        _log_to(console)
        writer = ResultWriter(sink, fsync=settings.fsync)
        items: Iterator[Item | InvalidLine] = read_items(source, spec)
        strict = _StopAtInvalid(items) if settings.strict else None
        if strict is not None:
            items = iter(strict)
        if len(done):
            items = (item for item in items if not done.answered(item.line, item.id))
            total = None if total is None else max(0, total - len(done))
            console.print(f"resuming: {len(done)} results already in {output}", highlight=False)
        cache = _open_cache(settings, options, stack)
        show_bar = settings.progress and sys.stderr.isatty()
        tracker = stack.enter_context(RunProgress(console, total, show_bar))
        # Everything loaded so far (modules, mostly) lives as long as the process:
        # kept out of the collector's full passes, which would walk it again and again.
        gc.freeze()
        results = check(items, options, executor=executor, cache=cache)
        stopped = 0
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            for result in results:
                writer.write(result)
                tracker.advance(result)
        except KeyboardInterrupt:
            stopped = EXIT_INTERRUPTED
        except Terminated:
            stopped = EXIT_TERMINATED
        except BrokenPipeError:  # the reader went away (`leancli check ... | head`)
            stopped = EXIT_BROKEN_PIPE
        except ResumeError as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            stopped = EXIT_USAGE
        finally:
            signal.signal(signal.SIGTERM, previous)
            results.close()
            executor.close()  # kills every worker and REPL before the summary
    if strict is not None and strict.error is not None and not stopped:
        console.print(f"[red]error:[/] {escape(strict.error)}", highlight=False, soft_wrap=True)
        stopped = EXIT_USAGE
    console.print(tracker.summary(interrupted=bool(stopped)), highlight=False, soft_wrap=True)
    if stopped:
        return stopped
    failed = tracker.done - tracker.counts[Status.PASS]
    return EXIT_FAILED if failed else EXIT_OK


def _open_cache(
    settings: RunSettings, options: CheckOptions, stack: ExitStack
) -> ResultCache | None:
    if settings.cache_dir is None:
        return None
    import sqlite3

    from leancli.result_cache import ResultCache, verdict_options

    try:
        cache = ResultCache(settings.cache_dir, settings.fingerprint, verdict_options(options))
    except (OSError, sqlite3.Error) as exc:
        fail_usage(f"--cache {settings.cache_dir}: {exc}")
    stack.callback(cache.close)
    return cache


def _refuse_invalid_lines(path: Path, spec: InputSpec) -> None:
    """--strict on a file: read it all once before any REPL starts."""
    try:
        with path.open("rb") as handle:
            for item in read_items(handle, spec):
                if isinstance(item, InvalidLine):
                    fail_usage(f"{path}, line {item.line}: {item.error} (--strict)")
    except OSError as exc:
        fail_usage(f"cannot read {path}: {exc.strerror or exc}")


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


def _prepare_output(output: Path | None, settings: RunSettings) -> DoneLines:
    if settings.resume and settings.force:
        fail_usage("--resume and --force exclude each other")
    if output is None:
        if settings.resume:
            fail_usage("--resume needs -o FILE: the results of the earlier run")
        return DoneLines()
    try:
        return prepare_output(output, resume=settings.resume, force=settings.force)
    except ResumeError as exc:
        fail_usage(str(exc))
    except OSError as exc:
        fail_usage(f"cannot read {output}: {exc.strerror or exc}")


def _log_to(console: Console) -> None:
    from rich.logging import RichHandler

    logger = logging.getLogger("leancli")
    if not logger.handlers:
        logger.addHandler(RichHandler(console=console, show_path=False, show_time=False))
        logger.setLevel(logging.INFO)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _open_input(input_path: str, stack: ExitStack) -> tuple[Iterator[bytes], int | None]:
    if input_path == "-":
        return iter(sys.stdin.buffer), None
    path = Path(input_path)
    try:
        handle = stack.enter_context(path.open("rb"))
    except OSError as exc:
        fail_usage(f"cannot read {input_path}: {exc.strerror or exc}")
    return iter(handle), _count_lines(path) if path.is_file() else None


def _claim_stdout(stack: ExitStack) -> IO[bytes]:
    """Results get a private copy of stdout; fd 1 points at stderr meanwhile, so that
    nothing else (Ray's log lines, a library's print) can slip into the JSONL."""
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


def _count_lines(path: Path) -> int:
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _open_output(output: Path | None, stack: ExitStack) -> IO[bytes]:
    if output is None:
        return _claim_stdout(stack)
    try:
        # Appending: prepare_output has emptied the file unless we resume it.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        fail_usage(f"cannot write {output}: {exc.strerror or exc}")
    return stack.enter_context(os.fdopen(fd, "wb"))
