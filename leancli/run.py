"""The run loop: read items, schedule them on an executor, yield results as they finish."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace

import psutil

from leancli.executors.base import Executor, Finished, Lost
from leancli.items import InvalidLine, Item
from leancli.options import CheckOptions
from leancli.records import Outcome, Result, Status, Task, result_from_outcome
from leancli.result_cache import ResultCache
from leancli.schedule import Scheduler
from leancli.snippet import split_snippet

MAX_ATTEMPTS = 2  # a task whose worker died is retried once on a fresh worker
HEADER_TIMEOUTS_BEFORE_GIVING_UP = 2
FINISHED_DEDUP_MEMORY = 10_000
WAIT_SECONDS = 0.5
MEMORY_CHECK_SECONDS = 0.5

log = logging.getLogger("leancli")


@dataclass
class _Pending:
    """A task in the scheduler or on a worker, and every input item it answers."""

    item: Item
    dedup_key: bytes | None
    cache_key: bytes | None = None
    duplicates: list[tuple[int, str | None]] = field(default_factory=list)


def check(
    items: Iterable[Item | InvalidLine],
    options: CheckOptions,
    executor: Executor | None = None,
    cache: ResultCache | None = None,
    *,
    progress: bool = False,
) -> Generator[Result, None, None]:
    """Check every item, yielding one Result per item as soon as it is known.

    With a `cache`, known verdicts are taken from it and new ones stored in it. With
    `progress`, a tqdm bar (a widget in notebooks) counts the results.

    With no `executor`, the one named by `options.executor` is started and torn down
    when the iterator finishes or is closed.
    """
    if progress:
        yield from _with_tqdm(check(items, options, executor, cache))
        return
    if executor is not None:
        yield from _Run(items, options, executor, cache).results()
        return
    from leancli.executors import make_executor

    with make_executor(options) as started:
        yield from _Run(items, options, started, cache).results()


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
    ) -> None:
        self._source = iter(items)
        self._cache = cache
        self._exhausted = False
        self._options = options
        self._executor = executor
        self._scheduler = Scheduler()
        self._pending: dict[int, _Pending] = {}
        self._by_dedup_key: dict[bytes, int] = {}
        self._finished: OrderedDict[bytes, Result] = OrderedDict()
        self._header_timeouts: dict[str, int] = {}
        self._last_group: dict[int, str] = {}
        self._waiting_copies = 0
        self._next_key = 0
        self._window = max(64, executor.size * 32)
        self._memory_checked = -MEMORY_CHECK_SECONDS
        self._memory_low = False
        self._warned_low_memory = False

    def results(self) -> Iterator[Result]:
        while True:
            yield from self._fill()
            if self._exhausted and not self._pending:
                return
            yield from self._dispatch()
            for event in self._executor.wait(WAIT_SECONDS):
                if isinstance(event, Finished):
                    yield from self._finish(event.task, event.outcome)
                else:
                    yield from self._lost(event)

    def _fill(self) -> Iterator[Result]:
        while not self._exhausted and len(self._pending) + self._waiting_copies < self._window:
            entry = next(self._source, None)
            if entry is None:
                self._exhausted = True
                return
            if isinstance(entry, InvalidLine):
                yield Result(Status.INVALID, error=entry.error, line=entry.line, id=entry.id)
                continue
            snippet = split_snippet(entry.code)
            key = snippet.dedup_key() if self._options.dedup else None
            if key is not None and entry.statement is not None:
                key = _with_statement(key, entry)
            if key is not None:
                if key in self._by_dedup_key:
                    # Only (line, id) is kept, and copies count toward the window, so
                    # input of one snippet repeated a million times stays small.
                    copy = (entry.line, entry.id)
                    self._pending[self._by_dedup_key[key]].duplicates.append(copy)
                    self._waiting_copies += 1
                    continue
                if key in self._finished:
                    yield _as_duplicate(self._finished[key], entry.line, entry.id)
                    continue
            cache_key = self._cache.key(snippet) if self._cache is not None else None
            if cache_key is not None and entry.statement is not None:
                cache_key = _with_statement(cache_key, entry)
            if self._cache is not None and cache_key is not None:
                known = self._cache.get(cache_key, self._options.worker.timeout)
                if known is not None:
                    yield result_from_outcome(known, entry.line, entry.id, cached=True)
                    continue
            task_key = self._next_key
            self._next_key += 1
            self._pending[task_key] = _Pending(entry, key, cache_key)
            if key is not None:
                self._by_dedup_key[key] = task_key
            group = ""
            if self._options.worker.lean.incremental:
                group = f"{snippet.header}\0{entry.statement or entry.id or ''}"
            task = Task(
                task_key,
                snippet.header,
                snippet.body,
                snippet.offset,
                group=group,
                statement=entry.statement,
                preamble=entry.preamble,
            )
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
        pending = self._pending.pop(task.key)
        result = result_from_outcome(outcome, pending.item.line, pending.item.id)
        if self._cache is not None and pending.cache_key is not None:
            self._cache.put(pending.cache_key, outcome, self._options.worker.timeout)
        yield result
        self._waiting_copies -= len(pending.duplicates)
        for line, item_id in pending.duplicates:
            yield _as_duplicate(result, line, item_id)
        if pending.dedup_key is not None:
            del self._by_dedup_key[pending.dedup_key]
            if outcome.status in (Status.PASS, Status.FAIL, Status.SORRY):
                # Only Lean's own verdicts are worth copying to later duplicates.
                self._finished[pending.dedup_key] = result
                if len(self._finished) > FINISHED_DEDUP_MEMORY:
                    self._finished.popitem(last=False)


def _with_statement(key: bytes, item: Item) -> bytes:
    """`key` of a snippet, made that of the snippet checked against the item's statement."""
    statement = f"{item.statement}\0{item.preamble}".encode()
    return hashlib.blake2b(key + b"\0" + statement, digest_size=len(key)).digest()


def _as_duplicate(result: Result, line: int, item_id: str | None) -> Result:
    checked = result.duplicate_of if result.duplicate_of is not None else result.line
    return replace(result, line=line, id=item_id, duplicate_of=checked)


def _hopeless_header_outcome(options: CheckOptions) -> Outcome:
    seconds = options.worker.import_timeout
    return Outcome(
        Status.TIMEOUT,
        0.0,
        error=(
            f"header import timed out {HEADER_TIMEOUTS_BEFORE_GIVING_UP} times "
            f"(--import-timeout {seconds:g} s); not tried again"
        ),
    )
