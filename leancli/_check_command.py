"""What `leancli check` does around the API: files, progress, signals, exit codes."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn

from rich.console import Console
from rich.markup import escape

from leancli.executors import ExecutorUnavailable, make_executor
from leancli.items import InputSpec, TemplateError, read_items, validate_template
from leancli.options import CheckOptions, ReplSpec
from leancli.progress import RunProgress
from leancli.results import ResultWriter, Status
from leancli.run import check

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


class UsageError(Exception):
    """Bad options or arguments: exit 2 with the message."""


class Terminated(Exception):
    """SIGTERM arrived."""


def fail_usage(message: str) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/] {escape(message)}", highlight=False)
    raise SystemExit(EXIT_USAGE)


def input_spec(code_field: str | None, template: str | None, id_field: str | None) -> InputSpec:
    if template is not None:
        try:
            validate_template(template)
        except TemplateError as exc:
            raise UsageError(str(exc)) from exc
        if code_field is not None:
            raise UsageError("--template and --code-field exclude each other")
    return InputSpec(code_field=code_field, template=template, id_field=id_field)


def resolve_repl(repl: str | None, project: Path | None) -> ReplSpec:
    """The REPL from --repl / LEANCLI_REPL, else the one `leancli doctor` would find."""
    if project is not None and not project.is_dir():
        raise UsageError(f"--project {project}: no such directory")
    if repl:
        try:
            return ReplSpec.from_command(repl, project)
        except ValueError as exc:
            raise UsageError(f"--repl: {exc}") from exc
    from leancli.discovery import discover_repl

    found = discover_repl(None, project)
    if found.spec is not None:
        return found.spec
    raise UsageError(
        "no Lean REPL found. Pass --repl 'PATH/TO/repl' (or set LEANCLI_REPL), "
        "or run `leancli setup` to build one for your toolchain; "
        "`leancli doctor` explains what is missing."
    )


def run(
    input_path: str,
    output: Path | None,
    spec: InputSpec,
    options: CheckOptions,
    *,
    progress: bool,
) -> int:
    console = Console(stderr=True)
    with ExitStack() as stack:
        source, total = _open_input(input_path, stack)
        sink = _open_output(output, stack)
        writer = ResultWriter(sink)
        show_bar = progress and sys.stderr.isatty()
        try:
            executor = stack.enter_context(make_executor(options))
        except ExecutorUnavailable as exc:
            fail_usage(str(exc))
        tracker = stack.enter_context(RunProgress(console, total, show_bar))
        results = check(read_items(source, spec), options, executor=executor)
        interrupted = 0
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            for result in results:
                writer.write(result)
                tracker.advance(result)
        except KeyboardInterrupt:
            interrupted = EXIT_INTERRUPTED
        except Terminated:
            interrupted = EXIT_TERMINATED
        finally:
            signal.signal(signal.SIGTERM, previous)
            results.close()
            executor.close()  # kills every worker and REPL before the summary
    console.print(tracker.summary(interrupted=bool(interrupted)), highlight=False, soft_wrap=True)
    if interrupted:
        return interrupted
    failed = tracker.done - tracker.counts[Status.PASS]
    return EXIT_FAILED if failed else EXIT_OK


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
        return sys.stdout.buffer
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as exc:
        fail_usage(f"cannot write {output}: {exc.strerror or exc}")
    return stack.enter_context(os.fdopen(fd, "wb"))
