"""A warm checker for training loops: REPLs and their imported headers live as long as it.

    with leancli.Checker(workers=8, timeout=60, project="~/mathlib-project") as checker:
        results = checker.check(["import Mathlib\\ntheorem ...", ...])  # same order
        for result in checker.imap(snippets): ...                       # streaming, in order
        for result in checker.imap_unordered(snippets): ...             # as they finish
        results = await checker.acheck(snippets)                        # asyncio

One run loop, in a thread of its own, serves every call: snippets of all calls share the
pool, its imported headers and its dedup; each call gets exactly its own results, with
`line` counting its own snippets from 1. Closing the checker (or leaving the `with`, or
dropping it) stops every worker and REPL.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import queue
import threading
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from leancli.config import CheckRequest, ExecutorKind, resolve
from leancli.errors import ConfigError, LeancliError
from leancli.executors import make_executor
from leancli.executors.base import Executor
from leancli.inputs.extract import MODES as EXTRACT_MODES
from leancli.inputs.items import InputSpec, InvalidLine, Item, parse_line, validate_template
from leancli.options import CheckOptions
from leancli.receipt import environment, now, receipt, snippet_bytes
from leancli.records import Result
from leancli.run.cache import ResultCache
from leancli.run.cancel import Cancellations

Snippet = str | Mapping[str, Any] | Item
_REQUEST_FIELDS = frozenset(f.name for f in fields(CheckRequest))


class CheckerClosed(LeancliError):
    """The checker was closed, or its run loop stopped, before this call's results came."""


@dataclass(eq=False)
class _Call:
    """One call's snippets in flight: where their results go."""

    count: int
    first_line: int = 0  # the run loop's number of this call's first snippet
    results: list[Result | None] = field(default_factory=list)
    arrived: queue.SimpleQueue[tuple[int, Result] | None] = field(default_factory=queue.SimpleQueue)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.results = [None] * self.count
        if self.count == 0:
            self.done.set()

    def deliver(self, index: int, result: Result) -> None:
        self.results[index] = result
        self.arrived.put((index, result))
        self.count -= 1
        if self.count == 0:
            self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.arrived.put(None)
        self.done.set()

    def abandon(self) -> None:
        """No one waits for the rest: wake whatever thread still does."""
        self.fail(CheckerClosed("the call was cancelled"))


@dataclass
class _Shared:
    """What the run-loop thread and the callers share (never the Checker itself, so that
    a checker dropped without `close` can be collected and its finalizer stop the pool)."""

    options: CheckOptions
    executor: Executor
    cache: ResultCache | None
    inbox: queue.SimpleQueue[Item | InvalidLine | None] = field(default_factory=queue.SimpleQueue)
    routes: dict[int, _Call] = field(default_factory=dict)  # run-loop line -> its call
    lock: threading.Lock = field(default_factory=threading.Lock)
    lines: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    stopped: BaseException | None = None
    # For the receipt: every snippet submitted, hashed in order, and the results by status.
    started: str = field(default_factory=now)
    digest: Any = field(default_factory=hashlib.sha256)
    hashed_bytes: int = 0
    submitted: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    pid: int = field(default_factory=os.getpid)  # the process whose workers these are
    cancellations: Cancellations = field(default_factory=Cancellations)


class Checker:
    """REPL workers kept warm across calls; the keywords mirror `leancli check`'s options.

    `template`, `code_field`, `id_field`, `statement_field` and `preamble_field` say how
    a mapping snippet makes its code (as for JSONL input); `first_pass` names the field
    of a mapping that groups the samples of one problem: once one passes, those not yet
    started come back `skipped` (as `--first-pass`), or once `passes` of them passed;
    `extract` takes the code from a model's answer in the code field (`"last-block"`,
    `"first-block"`, `"whole"`, as `--extract`); `cache` is a result-cache directory;
    every other keyword is a field of `leancli.config.CheckRequest` (`repl`, `project`, `workers`,
    `timeout`, `memory_limit`, `heartbeats`, `audit`, `allow_axioms`, `sandbox`,
    `executor`, ...). The REPL is found as `leancli check` finds it when not given.
    """

    def __init__(
        self,
        *,
        template: str | None = None,
        code_field: str | None = None,
        id_field: str | None = None,
        statement_field: str | None = None,
        preamble_field: str | None = None,
        first_pass: str | None = None,
        passes: int = 1,
        extract: str | None = None,
        cache: str | Path | None = None,
        **options: Any,
    ) -> None:
        unknown = sorted(set(options) - _REQUEST_FIELDS)
        if unknown:
            raise TypeError(f"Checker() got unknown keyword {unknown[0]!r}")
        for name in ("project",):
            if isinstance(options.get(name), str):
                options[name] = Path(options[name]).expanduser()
        if "allow_axioms" in options:
            options["allow_axioms"] = tuple(options["allow_axioms"])
        if isinstance(options.get("executor"), str):
            options["executor"] = ExecutorKind(options["executor"])
        self.options = resolve(_request(options))
        if template is not None:
            try:
                validate_template(template)
            except LeancliError as exc:
                raise ConfigError("template", str(exc)) from exc
        self._spec = _input_spec(
            code_field, template, id_field, statement_field, first_pass, passes, extract
        )
        if preamble_field is not None:
            if statement_field is None:
                raise ConfigError("preamble_field", "needs statement_field")
            self._spec = replace(self._spec, preamble_field=preamble_field)
        result_cache = None
        if cache is not None:
            import sqlite3

            from leancli.run.cache import verdict_options

            try:
                result_cache = ResultCache(
                    Path(cache).expanduser(),
                    self.options.fingerprint,
                    verdict_options(self.options),
                )
            except (OSError, sqlite3.Error) as exc:
                raise ConfigError("cache", f"{cache}: {exc}") from exc
        # Before any REPL starts.
        self._facts = environment(self.options, self._spec.verdict_values())
        executor = make_executor(self.options)
        self._shared = _Shared(self.options, executor, result_cache)
        self._thread = threading.Thread(
            target=_serve, args=(self._shared,), name="leancli-checker", daemon=True
        )
        self._thread.start()
        self._finalizer = weakref.finalize(self, _stop, self._shared, self._thread)
        self._pid = os.getpid()
        _LIVE.add(self)

    # --- calls ------------------------------------------------------------------------

    def check(self, snippets: Iterable[Snippet]) -> list[Result]:
        """The results of `snippets`, in their order, once all are known."""
        call = self._submit(snippets)
        try:
            call.done.wait()
        except BaseException:  # Ctrl-C: this call's snippets are dropped or stopped
            self._cancel(call)
            raise
        if call.error is not None:
            raise CheckerClosed(str(call.error)) from call.error
        return [result for result in call.results if result is not None]

    def imap(self, snippets: Iterable[Snippet]) -> Generator[Result, None, None]:
        """Results in the order of `snippets`, each as soon as those before it are known."""
        call = self._submit(snippets)
        waiting: dict[int, Result] = {}
        following = 0
        arrivals = self._arrivals(call)
        try:
            for index, result in arrivals:
                waiting[index] = result
                while following in waiting:
                    yield waiting.pop(following)
                    following += 1
        finally:  # closed early: the rest are cancelled
            arrivals.close()

    def imap_unordered(self, snippets: Iterable[Snippet]) -> Generator[Result, None, None]:
        """Results as they finish."""
        arrivals = self._arrivals(self._submit(snippets))
        try:
            for _, result in arrivals:
                yield result
        finally:  # closed early: the rest are cancelled
            arrivals.close()

    async def acheck(self, snippets: Iterable[Snippet]) -> list[Result]:
        """`check` for asyncio: the event loop is free while the snippets are checked."""
        call = self._submit(snippets)
        try:
            await asyncio.get_running_loop().run_in_executor(None, call.done.wait)
        except BaseException:  # cancelled (`asyncio.wait_for`, `task.cancel()`)
            self._cancel(call)  # which also ends the wait of the executor's thread
            raise
        if call.error is not None:
            raise CheckerClosed(str(call.error)) from call.error
        return [result for result in call.results if result is not None]

    async def aimap_unordered(self, snippets: Iterable[Snippet]) -> AsyncIterator[Result]:
        """Results as they finish, for asyncio."""
        call = self._submit(snippets)
        loop = asyncio.get_running_loop()
        try:
            for _ in range(call.count):
                arrival = await loop.run_in_executor(None, call.arrived.get)
                if arrival is None:
                    raise CheckerClosed(str(call.error)) from call.error
                yield arrival[1]
        finally:  # cancelled or closed early: the rest are cancelled
            if not call.done.is_set():
                self._cancel(call)

    def receipt(self) -> dict[str, Any]:
        """What this checker checked, with what, and what came out so far (the fields of
        `leancli check -o FILE`'s FILE.receipt.json): its one input is every snippet
        submitted, in order, each as its text (a mapping as its JSON) and a newline;
        `complete` says whether every one of them has its result; `ended` is now."""
        shared = self._shared
        with shared.lock:
            counts = dict(shared.counts)
            pending = shared.submitted - sum(counts.values())
            digest = {"path": None, "sha256": shared.digest.hexdigest()}
            digest["bytes"] = shared.hashed_bytes
        return receipt(
            self._facts,
            complete=pending == 0,
            started=shared.started,
            ended=now(),
            inputs=[digest],
            counts=counts,
        )

    # --- life -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every worker and REPL; calls still waiting raise `CheckerClosed`."""
        self._finalizer()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- inside -----------------------------------------------------------------------

    def _submit(self, snippets: Iterable[Snippet]) -> _Call:
        if os.getpid() != self._pid:  # its pool and run loop are the parent's
            raise CheckerClosed(
                f"this Checker was made in process {self._pid}, which forked this one: "
                "make a new Checker in the child"
            )
        shared = self._shared
        batch = list(snippets)
        call = _Call(len(batch))
        with shared.lock:
            if not self._finalizer.alive or shared.stopped is not None:
                raise CheckerClosed("the checker is closed")
            # Consecutive numbers: a call's own line is the run loop's minus its first.
            lines = [next(shared.lines) for _ in batch]
            call.first_line = lines[0] if lines else 0
            for line in lines:
                shared.routes[line] = call
            for snippet in batch:
                data = snippet_bytes(snippet)
                shared.digest.update(data)
                shared.hashed_bytes += len(data)
            shared.submitted += len(batch)
        for line, snippet in zip(lines, batch, strict=True):
            shared.inbox.put(_as_item(snippet, line, self._spec, call.first_line))
        return call

    def _arrivals(self, call: _Call) -> Generator[tuple[int, Result], None, None]:
        try:
            for _ in range(len(call.results)):
                arrival = call.arrived.get()
                if arrival is None:
                    raise CheckerClosed(str(call.error)) from call.error
                yield arrival
        finally:
            if not call.done.is_set():
                self._cancel(call)

    def _cancel(self, call: _Call) -> None:
        """Nobody wants the rest of `call`: the run loop drops its waiting snippets and
        stops its running ones (within one of its waits, under a second)."""
        shared = self._shared
        with shared.lock:
            lines = range(call.first_line, call.first_line + len(call.results))
            cancelled = [line for line in lines if shared.routes.get(line) is call]
            for line in cancelled:
                del shared.routes[line]
        shared.cancellations.cancel(cancelled)
        call.abandon()


# Every open Checker of this process: a forked child must not stop the parent's pool.
_LIVE: weakref.WeakSet[Checker] = weakref.WeakSet()


def _forget_in_forked_child() -> None:
    """In a child forked from a process with open Checkers: their workers, REPLs and
    run-loop thread are the parent's (the thread is not even running here). Dropping or
    closing one here, or the child's exit, must not stop them."""
    for checker in list(_LIVE):
        checker._finalizer.detach()
    _LIVE.clear()
    # The parent's worker processes themselves: executors/local/spawning.py disowns them.


os.register_at_fork(after_in_child=_forget_in_forked_child)


def _input_spec(
    code_field: str | None,
    template: str | None,
    id_field: str | None,
    statement_field: str | None,
    first_pass: str | None,
    passes: int,
    extract: str | None,
) -> InputSpec:
    if extract is not None and extract not in EXTRACT_MODES:
        raise ConfigError("extract", f"{extract!r}: use one of {', '.join(EXTRACT_MODES)}")
    if isinstance(passes, bool) or not isinstance(passes, int) or passes < 1:
        raise ConfigError("passes", f"must be a whole number of at least 1, not {passes!r}")
    return InputSpec(
        code_field,
        template,
        id_field,
        statement_field,
        first_pass_field=first_pass,
        extract=extract,
        passes=passes,
    )


def _request(options: dict[str, Any]) -> CheckRequest:
    """The request the keywords make; ConfigError naming a keyword of the wrong type."""
    request = CheckRequest(**options)
    defaults = CheckRequest()
    for name, value in options.items():
        default = getattr(defaults, name)
        number = isinstance(default, (int, float)) and not isinstance(default, bool)
        if number and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(name, f"must be a number, not {value!r}")
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
            raise ConfigError(name, f"must be a whole number, not {value!r}")
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(name, f"must be True or False, not {value!r}")
    return request


def _as_item(snippet: Snippet, line: int, spec: InputSpec, call: int) -> Item | InvalidLine:
    if isinstance(snippet, str):
        if "\x00" in snippet:
            return InvalidLine(line, None, "snippet contains a NUL character")
        return Item(line, None, snippet)
    if isinstance(snippet, Item):
        item = replace(snippet, line=line)
    elif isinstance(snippet, Mapping):
        try:
            raw = json.dumps(dict(snippet), ensure_ascii=False).encode()
        except (TypeError, ValueError) as exc:
            return InvalidLine(line, None, f"snippet mapping is not JSON: {exc}")
        parsed = parse_line(line, raw, spec)
        if isinstance(parsed, InvalidLine):
            return parsed
        item = parsed
    else:
        kind = type(snippet).__name__
        return InvalidLine(line, None, f"a snippet is a string, a mapping or an Item, not {kind}")
    # --first-pass: a problem solved in one call says nothing of another call's samples.
    return item if item.problem is None else replace(item, problem=f"{call}\0{item.problem}")


def _feed(shared: _Shared) -> Iterator[Item | InvalidLine]:
    while (entry := shared.inbox.get()) is not None:
        yield entry


def _serve(shared: _Shared) -> None:
    """The run loop over every call's snippets, routing each result to its call."""
    from leancli.run.loop import check

    try:
        results = check(
            _feed(shared),
            shared.options,
            shared.executor,
            shared.cache,
            cancellations=shared.cancellations,
        )
        for result in results:
            with shared.lock:
                call = shared.routes.pop(result.line, None)
                if call is not None:
                    shared.counts[result.status.value] += 1
            if call is None:
                continue  # of a cancelled call, finished as it was cancelled
            index = result.line - call.first_line
            # Lines of the run loop, told in the call's own numbering (None: another call's).
            local = replace(
                result,
                line=index + 1,
                duplicate_of=_local(call, result.duplicate_of),
                skipped_for=_local(call, result.skipped_for),
                problem=None if result.problem is None else result.problem.split("\0", 1)[-1],
            )
            call.deliver(index, local)
    except BaseException as exc:  # the pool itself failed: no caller may wait for ever
        error: BaseException = shared.stopped or exc
    else:
        error = shared.stopped or CheckerClosed("the checker is closed")
    with shared.lock:
        shared.stopped = error
        calls = set(shared.routes.values())
        shared.routes.clear()
    for call in calls:
        call.fail(error)


def _local(call: _Call, line: int | None) -> int | None:
    at = None if line is None else line - call.first_line
    return at + 1 if at is not None and 0 <= at < len(call.results) else None


def _stop(shared: _Shared, thread: threading.Thread) -> None:
    if os.getpid() != shared.pid:
        return  # a child of `os.fork()` exiting: the workers are its parent's to stop
    with shared.lock:
        shared.stopped = shared.stopped or CheckerClosed("the checker was closed")
    shared.inbox.put(None)
    shared.executor.close()
    if thread is not threading.current_thread():
        thread.join(timeout=30)
    if shared.cache is not None:
        shared.cache.close()
