"""`--resume` against an input that changed: results of edited lines are replaced.

Before the run, every input file is read once for the lines whose result was computed
from another snippet (`resume.snippet_hash`); the output is rewritten without those
results and the lines are checked again. The rewrite is crash-safe and keeps the
output claimed throughout: a temporary file next to it, locked before anything is
written to it, takes the kept results, is synced, and replaces the output with one
`os.replace`. A run killed before that leaves the old file as it was; a run that opens
the output meanwhile finds it locked either way. Standard input cannot be read twice:
a line of it that changed since the earlier run stops the run with exit 2.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson

from leancli.cli.output import OutputError, lock_output, rewrite_path
from leancli.inputs.items import InputSpec, InvalidLine, Item
from leancli.inputs.sources import Source, SourceMap, read_sources
from leancli.run.resume import DoneLines, LineMarks, ResumeError, snippet_hash


def stale_lines(
    sources: Sequence[Source], spec: InputSpec, done: DoneLines, verdict_options: bytes
) -> set[int]:
    """The input lines (of files, not stdin) whose result in `done` is of another snippet
    (or computed under other options), those skipped under --first-pass whose pass is
    not kept as it was (see `_skips_dropped`), and, when no input is stdin, answered lines
    the input no longer has (blanked, deleted); and copies (dedup) of any of these, whose
    result names that line."""
    stale: set[int] = set()
    # Lines are numbered on across the inputs, so only those before a stream (stdin, a
    # pipe) can be read again here (after it, the numbers depend on what the stream held).
    files = list(itertools.takewhile(lambda source: not source.is_stream, sources))
    present = LineMarks()
    problems: dict[int, str | None] = {}  # of the skipped lines and the lines they name
    wanted = set(done.skipped.values())
    changed: set[str | None] = set()  # problems with a line whose result is dropped
    for entry in read_sources(files, spec, SourceMap(), ()):
        present.add(entry.line)
        problem = entry.problem if isinstance(entry, Item) else None
        if entry.line in done.skipped or entry.line in wanted:
            problems[entry.line] = problem
        if done.stale(entry.line, snippet_hash(entry, verdict_options)):
            stale.add(entry.line)
            changed.add(problem)
    gone = len(files) == len(sources) and any(line not in present for line in done.lines())
    if gone:
        # Its result answers nothing now: kept, it would count for a line that is gone.
        stale.update(line for line in done.lines() if line not in present)
    # A copy's result names the line it was checked on: gone or changed, it names a line
    # that no longer holds its snippet.
    stale.update(line for line in done.lines() if done.copied_from(line) in stale)
    skips = set(_skips_dropped(done, problems, changed, stale, every=gone))
    stale.update(skips)
    stale.update(line for line in done.lines() if done.copied_from(line) in skips)
    return stale


def _skips_dropped(
    done: DoneLines,
    problems: dict[int, str | None],
    changed: set[str | None],
    stale: set[int],
    *,
    every: bool,
) -> Iterator[int]:
    """The `skipped` lines to check again. One is an answer as long as the line it names
    (`skipped_for`) still holds its `pass`: read again unchanged (not in `stale`), of the
    same problem,
    and no line of that problem changed since (with --passes, another of its passes may
    be gone). `every`: a line is gone (of which problem is not known). Lines not read
    again (from a stream) are kept as they are."""
    for line, passing in done.skipped.items():
        if line not in problems:
            continue
        problem = problems[line]
        kept = (
            not every
            and passing in problems
            and passing not in stale
            and done.passed(passing)
            and problem is not None
            and problems[passing] == problem
            and problem not in changed
        )
        if not kept:
            yield line


def drop_results(output: Path, fd: int, lines: set[int]) -> int:
    """Rewrite `output` without the results for `lines`; the new file's descriptor
    (append-only and locked, as `claim_output` gives). `fd` is closed once replaced.
    A link is written through: the file it points to is the one replaced. OutputError
    naming what failed; the output is then left as it was."""
    named = output
    output = Path(os.path.realpath(output))
    temporary = rewrite_path(output, os.getpid())
    try:
        new_fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(
            f"-o {named}: --resume rewrites it without the results of changed lines, and "
            f"cannot create a file in {output.parent}: {exc.strerror or exc}"
        ) from exc
    try:
        lock_output(new_fd, temporary)
        os.fchmod(new_fd, os.fstat(fd).st_mode & 0o7777)
        with output.open("rb") as old, os.fdopen(os.dup(new_fd), "wb") as new:
            for raw in old:
                if raw.strip() and _line_of(raw) in lines:
                    continue
                new.write(raw)
            new.flush()
            os.fsync(new.fileno())
        os.replace(temporary, output)
    except BaseException as exc:
        os.close(new_fd)
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError):
            raise OutputError(
                f"-o {named}: cannot rewrite it without the results of changed lines "
                f"(--resume): {exc.strerror or exc}; it is left as it was"
            ) from exc
        raise
    os.close(fd)
    _sync_directory(output.parent)
    return new_fd


def _line_of(raw: bytes) -> int | None:
    try:
        line = orjson.loads(raw).get("line")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return line if isinstance(line, int) else None


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def unanswered(
    items: Iterator[Item | InvalidLine], done: DoneLines, verdict_options: bytes
) -> Iterator[Item | InvalidLine]:
    """The items `done` does not answer. A line whose result is of another snippet was
    dropped before the run (see `drop_results`), unless it comes from a stream (stdin, a
    pipe); so was the result of a line the input no longer has, which a stream only shows
    at its end."""
    seen = LineMarks()
    for item in items:
        seen.add(item.line)
        if not done.answered(item.line, item.id):
            yield item
            continue
        if done.stale(item.line, snippet_hash(item, verdict_options)):
            raise ResumeError(
                f"input line {item.line} changed since the earlier run, and a result read "
                "from a stream (standard input, a pipe) cannot be replaced: give the input "
                "as a file, or start over with --force"
            )
    gone = next((line for line in done.lines() if line not in seen), None)
    if gone is not None:
        raise ResumeError(
            f"the output answers input line {gone}, which the input no longer has (blank "
            "or deleted), and a result read from a stream (standard input, a pipe) cannot "
            "be dropped: give the input as a file, or start over with --force"
        )
