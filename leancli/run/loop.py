"""The run loop: read items, schedule them on an executor, yield results as they finish."""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace

import psutil

from leancli.errors import LeancliError
from leancli.executors.base import Event, Executor, Finished, Lost
from leancli.inputs.items import InvalidLine, Item
from leancli.inputs.snippet import split_snippet
from leancli.options import CheckOptions
from leancli.records import Outcome, Result, Status, Task, result_from_outcome
from leancli.run.cache import ResultCache, kernel_timeout
from leancli.run.cancel import Cancellations
from leancli.run.input_thread import Entry, InputReader, ResultOrder, as_duplicate, moved_outcome
from leancli.run.resume import run_options, snippet_hash
from leancli.run.schedule import Scheduler
from leancli.verdict.lexer import declares_nothing

MAX_ATTEMPTS = 2  # a task whose worker died is retried once on a fresh worker
HEADER_TIMEOUTS_BEFORE_GIVING_UP = 2
FINISHED_DEDUP_MEMORY = 10_000
WAIT_SECONDS = 0.5
# How long a line that arrives while snippets are running may wait to be dispatched:
# the executor's wait cannot be woken by the input thread.
INPUT_POLL_SECONDS = 0.05
MEMORY_CHECK_SECONDS = 0.5
LEAN_VERDICTS = frozenset({Status.PASS, Status.FAIL, Status.SORRY})
NOTHING_TO_CHECK = (
    "nothing to check: the snippet declares nothing (only imports, comments, options, scopes)"
)

# Task keys are unique in the process: an executor may still hold tasks of a run that
# was abandoned (its iterator closed early), and their outcomes must not pass for
# another run's.
_task_keys = itertools.count()

log = logging.getLogger("leancli")


@dataclass
class _Pending:
    """A task in the scheduler or on a worker, and every input item it answers.

    `first_line` is the user line of the body's first non-blank line: a copy that
    starts elsewhere gets the positions moved by the difference.
    """

    item: Item
    dedup_key: bytes | None
    first_line: int
    snippet_hash: str
    cache_key: bytes | None = None
    # (line, id, first line, snippet hash) of each copy: tuples keep a snippet repeated
    # a million times small.
    duplicates: list[tuple[int, str | None, int, str]] = field(default_factory=list)
    # --first-pass: `item`'s line was answered `skipped` while copies of other,
    # unsolved problems still wait for the verdict.
    answered: bool = False


class ReplUnusable(LeancliError):
    """The REPL command cannot start at all: every snippet would crash the same way."""


def check(
    items: Iterable[Item | InvalidLine],
    options: CheckOptions,
    executor: Executor | None = None,
    cache: ResultCache | None = None,
    *,
    progress: bool = False,
    ordered: bool = False,
    cancellations: Cancellations | None = None,
) -> Generator[Result, None, None]:
    """Check every item, yielding one Result per item as soon as it is known.

    With a `cache`, known verdicts are taken from it and new ones stored in it. With
    `progress`, a tqdm bar (a widget in notebooks) counts the results. With `ordered`,
    results come in the order of `items` (each held until those before it are out).
    Lines told to `cancellations` get no result: waiting, they are dropped; running, stopped.
    `items` is read in a thread of its own, so an iterator that waits for its producer
    (a pipe, a socket) never holds up the results of the items it gave before.

    With no `executor`, the one named by `options.executor` is started and torn down
    when the iterator finishes or is closed. ReplUnusable if the REPL command cannot
    start at all.
    """
    if progress:
        yield from _with_tqdm(check(items, options, executor, cache, ordered=ordered))
        return
    if executor is not None:
        yield from _Run(items, options, executor, cache, ordered, cancellations).results()
        return
    from leancli.executors import make_executor

    with make_executor(options) as started:
        yield from _Run(items, options, started, cache, ordered, cancellations).results()


def _with_tqdm(results: Generator[Result, None, None]) -> Generator[Result, None, None]:
    from tqdm.auto import tqdm

    counts: dict[str, int] = {}
    with tqdm(desc="checking", unit="snippet") as bar:
        try:
            for result in results:
                counts[result.status.value] = counts.get(result.status.value, 0) + 1
                bar.set_postfix(counts, refresh=False)
                bar.update()
                yield result
        finally:
            results.close()


class _Run:
    def __init__(
        self,
        items: Iterable[Item | InvalidLine],
        options: CheckOptions,
        executor: Executor,
        cache: ResultCache | None,
        ordered: bool = False,
        cancellations: Cancellations | None = None,
    ) -> None:
        self._cache = cache
        self._cancellations = cancellations
        self._dropping: set[int] = set()  # cancelled lines still to come or to finish
        self._options = options
        self._verdict_options = run_options(options)
        self._executor = executor
        self._scheduler = Scheduler()
        self._pending: dict[int, _Pending] = {}
        self._by_dedup_key: dict[bytes, int] = {}
        self._finished: OrderedDict[bytes, tuple[Result, int]] = OrderedDict()
        self._header_timeouts: dict[str, int] = {}
        self._last_group: dict[int, str] = {}
        self._waiting_copies = 0
        self._window = max(64, executor.size * 32)
        self._order = ResultOrder() if ordered else None
        self._reader = InputReader(items, self._window)
        self._memory_checked = -MEMORY_CHECK_SECONDS
        self._memory_low = False
        self._warned_low_memory = False
        self._repl_answered = False  # some REPL of this run gave a verdict
        self._repl_probed = False
        # --first-pass: the problem of each line in flight, and the line that solved each.
        self._problems: dict[int, str] = {}
        self._solved: dict[str, int] = {}
        self._passes: dict[str, int] = {}  # passing samples so far (--passes)
        self._passes_needed: dict[str, int] = {}

    def results(self) -> Iterator[Result]:
        try:
            for result in self._with_first_pass(self._loop()):
                if result.line in self._dropping:
                    self._dropping.discard(result.line)
                    continue
                if self._order is None:
                    yield result
                else:
                    yield from self._order.release(result)
        finally:
            self._reader.close()

    def _loop(self) -> Iterator[Result]:
        while True:
            self._drop_cancelled()
            yield from self._fill()
            if self._reader.exhausted and not self._pending:
                return
            yield from self._dispatch()
            for event in self._wait():
                if event.task.key not in self._pending:
                    continue  # a task of an abandoned run on the same executor
                if isinstance(event, Finished):
                    yield from self._finish(event.task, event.outcome)
                else:
                    yield from self._lost(event)

    def _with_first_pass(self, results: Iterator[Result]) -> Iterator[Result]:
        """Each result, and once a problem has its passes (`--passes`, default 1) its
        samples still waiting, `skipped` (those already running finish)."""
        for result in results:
            problem = self._problems.pop(result.line, None)
            yield result if problem is None else replace(result, problem=problem)
            if problem is None or result.status is not Status.PASS:
                continue
            if problem in self._solved:
                continue
            self._passes[problem] = self._passes.get(problem, 0) + 1
            if self._passes[problem] >= self._passes_needed.get(problem, 1):
                self._solved[problem] = result.line
                yield from self._skip_waiting(problem)

    def _skip_waiting(self, problem: str) -> Iterator[Result]:
        """`skipped` for each waiting line of `problem`. A waiting task that also answers
        copies of another problem (dedup) stays scheduled for them: a sample of an
        unsolved problem is never skipped because its snippet is another's."""
        passed = self._solved[problem]
        for task in self._scheduler.remove(lambda task: self._answers_problem(task, problem)):
            pending = self._pending[task.key]
            copies = pending.duplicates
            skipped = [copy for copy in copies if self._problems.get(copy[0]) == problem]
            kept = [copy for copy in copies if self._problems.get(copy[0]) != problem]
            self._waiting_copies -= len(skipped)
            if not pending.answered and pending.item.problem == problem:
                item = pending.item
                skipped.insert(0, (item.line, item.id, pending.first_line, pending.snippet_hash))
                pending.answered = True
            pending.duplicates = kept
            if pending.answered and not kept:
                del self._pending[task.key]
                if pending.dedup_key is not None:
                    del self._by_dedup_key[pending.dedup_key]
            else:
                self._scheduler.add(task)
            for line, item_id, _, hashed in skipped:
                self._problems.pop(line, None)
                yield replace(_skipped(line, item_id, passed, hashed), problem=problem)

    def _drop_cancelled(self) -> None:
        """Forget the cancelled lines: their copies, their waiting tasks; stop running ones."""
        lines = self._cancellations.take() if self._cancellations is not None else set()
        if not lines:
            return
        self._dropping |= lines
        abandoned: set[int] = set()
        for key, pending in list(self._pending.items()):
            kept = [copy for copy in pending.duplicates if copy[0] not in lines]
            self._waiting_copies -= len(pending.duplicates) - len(kept)
            self._dropping.difference_update(c[0] for c in pending.duplicates if c not in kept)
            pending.duplicates = kept
            if pending.item.line not in lines or kept:
                continue  # wanted, or a copy still waits for its verdict
            del self._pending[key]
            if pending.dedup_key is not None:
                del self._by_dedup_key[pending.dedup_key]
            self._problems.pop(pending.item.line, None)
            self._dropping.discard(pending.item.line)
            abandoned.add(key)
        waiting = {task.key for task in self._scheduler.remove(lambda t: t.key in abandoned)}
        if abandoned - waiting:
            self._executor.abandon(abandoned - waiting)

    def _answers_problem(self, task: Task, problem: str) -> bool:
        """Whether a line that `task` still answers is a sample of `problem`."""
        pending = self._pending[task.key]
        if not pending.answered and pending.item.problem == problem:
            return True
        return any(self._problems.get(copy[0]) == problem for copy in pending.duplicates)

    def _has_room(self) -> bool:
        held = self._order.held if self._order is not None else 0
        return len(self._pending) + self._waiting_copies + held < self._window

    def _wait(self) -> list[Event]:
        """The executor's events; woken by the input when a line may be taken."""
        if self._reader.exhausted or not self._has_room():
            return self._executor.wait(WAIT_SECONDS)
        if self._pending:
            return self._executor.wait(INPUT_POLL_SECONDS)
        # Nothing runs: wait for the input (the executor still tends its workers).
        events = self._executor.wait(0)
        if not events:
            self._reader.wait(WAIT_SECONDS)
        return events

    def _fill(self) -> Iterator[Result]:
        while self._has_room():
            entry = self._reader.take()
            if entry is None:
                return
            if entry.line in self._dropping:
                self._dropping.discard(entry.line)
                continue
            if self._order is not None:
                self._order.expect(entry.line)
            try:
                result = self._prepare(entry)
            except Exception as exc:  # one line that cannot be prepared never stops the run
                error = f"cannot prepare this line: {exc!r}"
                result = Result(Status.INVALID, error=error, line=entry.line, id=entry.id)
            if result is not None:
                yield result

    def _prepare(self, entry: Entry) -> Result | None:
        """The result of `entry` if it is known at once, else None (it is scheduled)."""
        computed_from = snippet_hash(entry, self._verdict_options)
        problem = entry.problem if isinstance(entry, Item) else None
        if problem is not None and isinstance(entry, Item):
            if problem in self._solved:
                skipped = _skipped(entry.line, entry.id, self._solved[problem], computed_from)
                return replace(skipped, problem=problem)
            self._problems[entry.line] = problem
            self._passes_needed[problem] = entry.passes
        if isinstance(entry, InvalidLine):
            return Result(
                Status.INVALID,
                error=entry.error,
                line=entry.line,
                id=entry.id,
                snippet_hash=computed_from,
                problem=entry.problem,
            )
        snippet = split_snippet(entry.code)
        if declares_nothing(snippet.body):
            # Empty, comments, imports or scope and option commands only (a truncated
            # generation, say): Lean would accept it with no declaration checked, which
            # is no proof of anything.
            return Result(
                Status.INVALID,
                error=NOTHING_TO_CHECK,
                line=entry.line,
                id=entry.id,
                snippet_hash=computed_from,
            )
        identity, first_line = snippet.dedup_identity()
        if entry.statement is not None:  # checked against its statement: another check
            identity = _with_statement(identity, entry)
        key = identity if self._options.dedup else None
        if key is not None:
            if key in self._by_dedup_key:
                copy = (entry.line, entry.id, first_line, computed_from)
                self._pending[self._by_dedup_key[key]].duplicates.append(copy)
                self._waiting_copies += 1
                return None
            if key in self._finished:
                checked, checked_first_line = self._finished[key]
                moved = first_line - checked_first_line
                return as_duplicate(checked, entry.line, entry.id, moved, computed_from)
        cache_key = self._cache.key(identity) if self._cache is not None else None
        if self._cache is not None and cache_key is not None:
            known = self._cache.get(
                cache_key, self._options.worker.timeout, kernel_timeout(self._options)
            )
            if known is not None:
                # The cache keeps positions as if the body's first line were line 0.
                known = moved_outcome(known, first_line)
                return result_from_outcome(
                    known, entry.line, entry.id, cached=True, snippet_hash=computed_from
                )
        self._schedule(
            entry,
            snippet.header,
            snippet.body,
            snippet.offset,
            first_line,
            snippet.header_offset,
            _Pending(entry, key, first_line, computed_from, cache_key),
        )
        return None

    def _schedule(
        self,
        entry: Item,
        header: str,
        body: str,
        offset: int,
        first_line: int,
        header_offset: int,
        pending: _Pending,
    ) -> None:
        task_key = next(_task_keys)
        group = ""
        if self._options.worker.lean.incremental:
            group = f"{header}\0{entry.statement or entry.id or ''}"
        task = Task(
            task_key,
            header,
            body,
            offset,
            group=group,
            statement=entry.statement,
            preamble=entry.preamble,
            header_offset=header_offset,
        )
        self._pending[task_key] = pending
        if pending.dedup_key is not None:
            self._by_dedup_key[pending.dedup_key] = task_key
        self._scheduler.add(task)

    def _dispatch(self) -> Iterator[Result]:
        idle = self._executor.idle_workers()
        if self._memory_is_low():
            # Free the biggest idle REPL before the kernel's OOM killer picks a victim
            # of its own, and hand out nothing meanwhile; with nothing left to free,
            # go on one snippet at a time rather than stall for ever.
            freed = self._executor.recycle_largest_idle()
            in_flight = len(self._pending) - len(self._scheduler)
            if freed or in_flight > 0:
                return
            idle = [replace(worker, room=1) for worker in idle[:1]]
        # Workers with nothing to do first; busy ones would only queue the task.
        for worker in sorted(idle, key=lambda worker: worker.busy):
            busy, given = worker.busy, 0
            while given < worker.room:
                last_group = self._last_group.get(worker.worker_id, "")
                # A busy worker would queue the task: only one that needs no import,
                # so that nothing waits behind a long (or hopeless) header import.
                task = self._scheduler.pick(worker.headers, last_group, loaded_only=busy)
                if task is None:
                    break
                if self._header_is_hopeless(task.header):
                    yield from self._finish(task, _hopeless_header_outcome(self._options))
                    continue
                self._executor.submit(worker.worker_id, task)
                self._last_group[worker.worker_id] = task.group
                busy, given = True, given + 1

    def _memory_is_low(self) -> bool:
        floor = self._options.min_free_memory_mb
        if floor <= 0:
            return False
        now = time.monotonic()
        if now - self._memory_checked >= MEMORY_CHECK_SECONDS:
            self._memory_checked = now
            self._memory_low = psutil.virtual_memory().available < floor * 2**20
            if self._memory_low and not self._warned_low_memory:
                self._warned_low_memory = True
                log.warning("available memory under --min-free-memory %d MiB: pausing", floor)
        return self._memory_low

    def _header_is_hopeless(self, header: str) -> bool:
        return self._header_timeouts.get(header, 0) >= HEADER_TIMEOUTS_BEFORE_GIVING_UP

    def _lost(self, event: Lost) -> Iterator[Result]:
        task = event.task
        if task.attempt + 1 < MAX_ATTEMPTS:
            self._scheduler.add(replace(task, attempt=task.attempt + 1), front=True)
            return
        outcome = Outcome(Status.CRASH, 0.0, error=f"{event.reason}; retried once")
        yield from self._finish(task, outcome)

    def _finish(self, task: Task, outcome: Outcome) -> Iterator[Result]:
        if outcome.header_timed_out:
            self._header_timeouts[task.header] = self._header_timeouts.get(task.header, 0) + 1
        self._stop_if_repl_cannot_start(outcome)
        pending = self._pending.pop(task.key)
        item = pending.item
        answers = list(pending.duplicates)
        if not pending.answered:
            answers.insert(0, (item.line, item.id, pending.first_line, pending.snippet_hash))
        else:
            self._waiting_copies -= 1  # the first copy is answered as the checked line
        if self._cache is not None and pending.cache_key is not None:
            moved = moved_outcome(outcome, -pending.first_line)
            timeouts = (self._options.worker.timeout, kernel_timeout(self._options))
            self._cache.put(pending.cache_key, moved, *timeouts)
        # The first line still waiting is the one checked (`item`, unless it was skipped).
        (line, item_id, checked_first_line, computed_from), copies = answers[0], answers[1:]
        checked = moved_outcome(outcome, checked_first_line - pending.first_line)
        result = result_from_outcome(checked, line, item_id, snippet_hash=computed_from)
        yield result
        self._waiting_copies -= len(copies)
        for line, item_id, first_line, computed_from in copies:
            moved_by = first_line - checked_first_line
            yield as_duplicate(result, line, item_id, moved_by, computed_from)
        if pending.dedup_key is not None:
            del self._by_dedup_key[pending.dedup_key]
            if outcome.status in LEAN_VERDICTS:
                # Only Lean's own verdicts are worth copying to later duplicates.
                self._finished[pending.dedup_key] = (result, checked_first_line)
                if len(self._finished) > FINISHED_DEDUP_MEMORY:
                    self._finished.popitem(last=False)

    def _stop_if_repl_cannot_start(self, outcome: Outcome) -> None:
        """ReplUnusable when the first crash of a run whose REPLs never gave a verdict
        comes from a REPL command that cannot start at all (checked once, locally)."""
        if self._repl_answered:
            return
        if outcome.status is not Status.CRASH:
            self._repl_answered = True
            return
        if self._repl_probed or self._options.executor != "local":
            return
        self._repl_probed = True
        from leancli.repl.probe import probe_repl

        reason = probe_repl(self._options.worker)
        if reason is not None:
            raise ReplUnusable(f"the REPL cannot start: {reason}")
        self._repl_answered = True


def _skipped(line: int, item_id: str | None, passed: int, computed_from: str | None) -> Result:
    return Result(
        Status.SKIPPED, line=line, id=item_id, skipped_for=passed, snippet_hash=computed_from
    )


def _with_statement(key: bytes, item: Item) -> bytes:
    """`key` of a snippet, made that of the snippet checked against the item's statement."""
    statement = f"{item.statement}\0{item.preamble}".encode()
    return hashlib.blake2b(key + b"\0" + statement, digest_size=len(key)).digest()


def _hopeless_header_outcome(options: CheckOptions) -> Outcome:
    seconds = options.worker.import_timeout
    return Outcome(
        Status.TIMEOUT,
        0.0,
        error=(
            f"header import timed out {HEADER_TIMEOUTS_BEFORE_GIVING_UP} times "
            f"(--import-timeout {seconds:g} s); not tried again"
        ),
        # About this machine's import, not the snippet: never cached.
        header_timed_out=True,
    )
