"""The local executor: a small supervisor over spawn-context worker processes.

`multiprocessing.Pool` hangs when a worker is SIGKILLed (CPython gh-66587) and
`ProcessPoolExecutor` fails every pending item, so the parent watches one pipe and one
process sentinel per worker itself and knows which tasks each worker holds.

Each worker holds a few tasks, so that it starts the next one without waiting for the
parent: two for slow snippets, up to MAX_PREFETCH for fast ones, so that about
QUEUE_SECONDS of work waits on each. Tasks queued behind a slow one are taken back
("stolen") as soon as another worker has nothing to do, so no snippet waits behind
another.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import selectors
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from leancli.executors.base import Event, Finished, IdleWorker, Lost
from leancli.executors.local.channel import Channel
from leancli.executors.local.child import worker_main
from leancli.executors.local.messages import (
    Cancel,
    Cancelled,
    Done,
    Error,
    Ready,
    Recycle,
    ReplStarted,
    RunTasks,
    Stop,
    ToWorker,
    UnknownMessage,
    decode,
    encode,
)
from leancli.executors.local.spawning import start_worker
from leancli.executors.supervision import Retirement, StartFailures, describe_exit
from leancli.options import WorkerConfig
from leancli.records import Task, outcome_from_plain, task_to_plain
from leancli.repl.process_memory import tree_anon_rss
from leancli.repl.session import kill_process_group

MIN_PREFETCH = 2
MAX_PREFETCH = 16
QUEUE_SECONDS = 0.02

log = logging.getLogger(__name__)


@dataclass
class _Slot:
    worker_id: int
    process: BaseProcess
    channel: Channel
    ready: bool = False
    queued: list[Task] = field(default_factory=list)  # the first one is running
    unsent: list[Task] = field(default_factory=list)  # queued, sent on the next wait
    stealing: set[int] = field(default_factory=set)  # keys of queued tasks asked back
    abandoned: set[int] = field(default_factory=set)  # sent, then abandoned: not answered
    done: int = 0
    headers: frozenset[str] = frozenset()
    repl_pids: list[int] = field(default_factory=list)  # the live REPL and a standby


class LocalExecutor:
    """`workers` processes, each replaced after `max_tasks` tasks (0: never)."""

    def __init__(self, config: WorkerConfig, workers: int, max_tasks: int = 0) -> None:
        self._config = config
        self._retirement = Retirement(max_tasks)
        self._context = multiprocessing.get_context("spawn")
        self._selector = selectors.DefaultSelector()
        self._slots: dict[int, _Slot] = {}
        self._retiring: list[BaseProcess] = []
        self._start_failures = StartFailures("worker processes")
        self._reported: set[str] = set()  # worker errors already logged
        self._mean_time: float | None = None  # recent snippet time, for the prefetch
        self.spawned = 0
        self.stolen = 0
        for worker_id in range(workers):
            self._slots[worker_id] = self._spawn(worker_id)

    @property
    def size(self) -> int:
        return len(self._slots)

    def idle_workers(self) -> list[IdleWorker]:
        prefetch = self._prefetch()
        idle = []
        for slot in self._slots.values():
            # A worker due for replacement takes nothing more, so none is left on it.
            room = min(
                prefetch - len(slot.queued), self._retirement.room(slot.done, len(slot.queued))
            )
            if slot.ready and room > 0:
                idle.append(IdleWorker(slot.worker_id, slot.headers, bool(slot.queued), room))
        return idle

    def submit(self, worker_id: int, task: Task) -> None:
        slot = self._slots[worker_id]
        slot.queued.append(task)
        slot.unsent.append(task)

    def wait(self, timeout: float) -> list[Event]:
        self._reap_retired()
        self._steal_for_idle_workers()
        for slot in list(self._slots.values()):
            self._flush(slot)
        events: list[Event] = []
        for key, mask in self._selector.select(timeout):
            slot, is_process = key.data
            if self._slots.get(slot.worker_id) is not slot:
                continue  # replaced earlier in this loop
            if is_process:
                self._drain(slot, events)
                if self._slots.get(slot.worker_id) is slot:
                    self._on_death(slot, events)
                continue
            if mask & selectors.EVENT_WRITE:
                self._flush(slot)
            if mask & selectors.EVENT_READ:
                self._receive(slot, events)
        return events

    def recycle_largest_idle(self) -> bool:
        """Restart the idle REPL holding the most memory; False if no idle REPL is running."""
        sizes = {
            slot.worker_id: sum(tree_anon_rss(pid) for pid in slot.repl_pids)
            for slot in self._slots.values()
            if slot.ready and not slot.queued and slot.repl_pids
        }
        if not sizes:
            return False
        slot = self._slots[max(sizes, key=lambda worker_id: sizes[worker_id])]
        self._send(slot, Recycle())
        slot.headers, slot.repl_pids = frozenset(), []
        return True

    def abandon(self, keys: set[int]) -> None:
        """Stop tasks no longer wanted: unsent ones are dropped, waiting ones asked back,
        and a worker running one is killed (its death reports that task Lost)."""
        for slot in list(self._slots.values()):
            unsent = {task.key for task in slot.unsent}
            slot.unsent = [task for task in slot.unsent if task.key not in keys]
            if not any(task.key in keys for task in slot.queued):
                continue
            running = slot.queued[0]
            if running.key in keys and running.key not in unsent:
                slot.queued = [running, *(t for t in slot.queued[1:] if t.key not in keys)]
                slot.process.kill()  # its sentinel fires next: the rest go to its successor
                continue
            sent = [t.key for t in slot.queued if t.key in keys and t.key not in unsent]
            slot.queued = [task for task in slot.queued if task.key not in keys]
            if sent:
                slot.abandoned.update(sent)
                self._send(slot, Cancel(sent))

    def close(self) -> None:
        """Stop idle workers, kill busy ones (their snippets are abandoned) and every REPL."""
        for slot in self._slots.values():
            if not slot.queued:
                self._send(slot, Stop())
            else:
                slot.process.kill()
        deadline = time.monotonic() + 2.0
        for process in [*(slot.process for slot in self._slots.values()), *self._retiring]:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        for slot in self._slots.values():
            self._kill(slot)
        for process in self._retiring:
            if process.is_alive():
                process.kill()
        self._slots.clear()
        self._retiring.clear()
        self._selector.close()

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prefetch(self) -> int:
        if self._mean_time is None:
            return MIN_PREFETCH
        if self._mean_time <= 0:
            return MAX_PREFETCH
        return max(MIN_PREFETCH, min(MAX_PREFETCH, int(QUEUE_SECONDS / self._mean_time)))

    def _send(self, slot: _Slot, message: ToWorker) -> None:
        # On a broken pipe its sentinel fires next, and its tasks come back as Lost.
        with contextlib.suppress(OSError):
            slot.channel.send(encode(message))
        self._watch_writes(slot)

    def _flush(self, slot: _Slot) -> None:
        if slot.unsent:
            tasks, slot.unsent = slot.unsent, []
            self._send(slot, RunTasks([task_to_plain(task) for task in tasks]))
        elif slot.channel.wants_write:
            with contextlib.suppress(OSError):
                slot.channel.flush()
            self._watch_writes(slot)

    def _watch_writes(self, slot: _Slot) -> None:
        if self._slots.get(slot.worker_id) is not slot:
            return
        events = selectors.EVENT_READ
        if slot.channel.wants_write:
            events |= selectors.EVENT_WRITE
        with contextlib.suppress(KeyError, ValueError):
            if self._selector.get_key(slot.channel).events != events:
                self._selector.modify(slot.channel, events, (slot, False))

    def _steal_for_idle_workers(self) -> None:
        """Ask back tasks queued behind a running one while another worker is idle: half
        of them, from each worker that has some.

        The run loop gave an idle worker nothing, so no task is pending elsewhere."""
        if not any(s.ready and not s.queued for s in self._slots.values()):
            return
        for slot in self._slots.values():
            waiting = [t.key for t in slot.queued[1:] if t not in slot.unsent]
            if waiting and not slot.stealing:
                keys = waiting[len(waiting) // 2 :]
                slot.stealing.update(keys)
                self._send(slot, Cancel(keys))

    def _rehome(self, tasks: list[Task]) -> None:
        """Tasks given back by a worker go to the least busy ones, their header first."""
        for task in tasks:
            candidates = [s for s in self._slots.values() if s.ready] or list(self._slots.values())
            target = min(
                candidates,
                key=lambda s: (len(s.queued), task.header not in s.headers, s.worker_id),
            )
            self.submit(target.worker_id, task)

    def _spawn(self, worker_id: int) -> _Slot:
        parent_conn, child_conn = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(child_conn, self._config),
            name=f"leancli-worker-{worker_id}",
            daemon=True,
        )
        start_worker(process)
        child_conn.close()
        self.spawned += 1
        slot = _Slot(worker_id, process, Channel(parent_conn, blocking=False))
        self._selector.register(slot.channel, selectors.EVENT_READ, (slot, False))
        self._selector.register(process.sentinel, selectors.EVENT_READ, (slot, True))
        return slot

    def _receive(self, slot: _Slot, events: list[Event]) -> None:
        try:
            messages = slot.channel.receive()
        except (EOFError, OSError):
            self._on_death(slot, events)
            return
        for plain in messages:
            self._handle(slot, decode(plain), events)
        if self._retirement.due(slot.done, len(slot.queued)):
            self._retire(slot)

    def _handle(self, slot: _Slot, message: object, events: list[Event]) -> None:
        if isinstance(message, Done):
            slot.stealing.discard(message.key)  # it had started before our request arrived
            if message.headers is not None:
                slot.headers = message.headers
            slot.done += 1
            if message.key in slot.abandoned:  # it had started before `abandon` asked
                slot.abandoned.discard(message.key)
                return
            task = _take(slot.queued, message.key)
            outcome = outcome_from_plain(message.outcome)
            self._note_time(outcome.time)
            events.append(Finished(task, outcome))
        elif isinstance(message, ReplStarted):
            slot.repl_pids = [*slot.repl_pids[-3:], message.pid]
        elif isinstance(message, Cancelled):
            slot.stealing.clear()
            given_up = slot.abandoned.intersection(message.keys)
            slot.abandoned -= given_up
            tasks = [_take(slot.queued, key) for key in message.keys if key not in given_up]
            self.stolen += len(tasks)
            self._rehome(tasks)
        elif isinstance(message, Ready):
            slot.ready = True
            self._start_failures.started()
        elif isinstance(message, Error):
            self._on_error(slot, message, events)
        else:
            raise UnknownMessage(f"the parent does not take {type(message).__name__} messages")

    def _on_error(self, slot: _Slot, error: Error, events: list[Event]) -> None:
        """A worker raised: its task is lost as if the worker had died (with no task, it
        exits, and its death follows). Each distinct error is logged once, on one line."""
        if error.exception not in self._reported:
            self._reported.add(error.exception)
            log.error("worker error: %s", error.exception)
        log.debug("worker error, in full:\n%s", error.traceback)
        if error.key is None:
            return
        if error.key in slot.abandoned:
            slot.abandoned.discard(error.key)
            slot.headers = frozenset()
            return
        task = _take(slot.queued, error.key)
        slot.stealing.discard(error.key)
        slot.headers = frozenset()  # the worker starts again from a fresh REPL
        slot.done += 1
        events.append(Lost(task, f"worker error: {error.exception}"))

    def _note_time(self, seconds: float) -> None:
        mean = self._mean_time
        self._mean_time = seconds if mean is None else 0.8 * mean + 0.2 * seconds

    def _drain(self, slot: _Slot, events: list[Event]) -> None:
        """Read what a dead worker sent before it died (a last result, say)."""
        with contextlib.suppress(EOFError, OSError):
            while self._slots.get(slot.worker_id) is slot and slot.channel.ready():
                self._receive(slot, events)

    def _retire(self, slot: _Slot) -> None:
        self._send(slot, Stop())
        self._forget(slot)
        slot.channel.close()  # the worker reads its stop, then EOF; it closes its own REPL
        self._retiring.append(slot.process)
        self._slots[slot.worker_id] = self._spawn(slot.worker_id)

    def _on_death(self, slot: _Slot, events: list[Event]) -> None:
        slot.process.join(timeout=1.0)
        code = slot.process.exitcode
        self._kill(slot)
        replacement = self._slots[slot.worker_id] = self._spawn(slot.worker_id)
        if slot.queued:
            # Only the running task can be the culprit; the ones queued behind it had
            # not started and go to the replacement as they are.
            events.append(Lost(slot.queued[0], f"worker process died ({describe_exit(code)})"))
            for task in slot.queued[1:]:
                self.submit(replacement.worker_id, task)
        elif not slot.ready:
            self._start_failures.failed(describe_exit(code))

    def _forget(self, slot: _Slot) -> None:
        for handle in (slot.channel, slot.process.sentinel):
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(handle)

    def _kill(self, slot: _Slot) -> None:
        self._forget(slot)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(timeout=2.0)
        for pid in slot.repl_pids:
            kill_process_group(pid)
        slot.channel.close()

    def _reap_retired(self) -> None:
        still = []
        for process in self._retiring:
            if process.exitcode is None:
                still.append(process)
            else:
                process.join(timeout=0)
        self._retiring = still


def _take(tasks: list[Task], key: int) -> Task:
    for index, task in enumerate(tasks):
        if task.key == key:
            return tasks.pop(index)
    raise AssertionError(f"worker answered for task {key}, which it does not hold")
