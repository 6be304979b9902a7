"""The local executor: a small supervisor over spawn-context worker processes.

`multiprocessing.Pool` hangs when a worker is SIGKILLed (CPython gh-66587) and
`ProcessPoolExecutor` fails every pending item, so the parent watches one pipe and one
process sentinel per worker itself and knows which task each worker holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from leancli.executors.base import Event, Finished, IdleWorker, Lost
from leancli.options import WorkerConfig
from leancli.session import ReplAborted, kill_process_group, tree_rss
from leancli.worker import Task, Worker

MAX_START_FAILURES = 5


@dataclass
class _Slot:
    worker_id: int
    process: BaseProcess
    conn: Connection
    ready: bool = False
    task: Task | None = None
    done: int = 0
    headers: frozenset[str] = frozenset()
    repl_pids: list[int] = field(default_factory=list)  # the live REPL and a standby


class LocalExecutor:
    """`workers` processes, each replaced after `max_tasks` tasks (0: never)."""

    def __init__(self, config: WorkerConfig, workers: int, max_tasks: int = 0) -> None:
        self._config = config
        self._max_tasks = max_tasks
        self._context = multiprocessing.get_context("spawn")
        self._slots: dict[int, _Slot] = {}
        self._retiring: list[BaseProcess] = []
        self._start_failures = 0
        self.spawned = 0
        for worker_id in range(workers):
            self._slots[worker_id] = self._spawn(worker_id)

    @property
    def size(self) -> int:
        return len(self._slots)

    def idle_workers(self) -> list[IdleWorker]:
        return [
            IdleWorker(slot.worker_id, slot.headers)
            for slot in self._slots.values()
            if slot.ready and slot.task is None
        ]

    def submit(self, worker_id: int, task: Task) -> None:
        slot = self._slots[worker_id]
        assert slot.ready and slot.task is None, "submit to a busy worker"
        slot.task = task
        # On a broken pipe its sentinel fires next, and the task comes back as Lost.
        with contextlib.suppress(OSError):
            slot.conn.send(("task", task))

    def wait(self, timeout: float) -> list[Event]:
        self._reap_retired()
        handles: dict[Any, _Slot] = {}
        for slot in self._slots.values():
            handles[slot.conn] = slot
            handles[slot.process.sentinel] = slot
        events: list[Event] = []
        for handle in wait(list(handles), timeout):
            slot = handles[handle]
            if self._slots.get(slot.worker_id) is not slot:
                continue  # replaced earlier in this loop
            if handle is slot.conn:
                self._receive(slot, events)
            else:
                self._drain(slot, events)
                if self._slots.get(slot.worker_id) is slot:
                    self._on_death(slot, events)
        return events

    def recycle_largest_idle(self) -> bool:
        """Restart the idle REPL holding the most memory; False if no idle REPL is running."""
        sizes = {
            slot.worker_id: sum(tree_rss(pid) for pid in slot.repl_pids)
            for slot in self._slots.values()
            if slot.ready and slot.task is None and slot.repl_pids
        }
        if not sizes:
            return False
        slot = self._slots[max(sizes, key=lambda worker_id: sizes[worker_id])]
        with contextlib.suppress(OSError):
            slot.conn.send(("recycle", None))
        slot.headers, slot.repl_pids = frozenset(), []
        return True

    def close(self) -> None:
        """Stop idle workers, kill busy ones (their snippets are abandoned) and every REPL."""
        for slot in self._slots.values():
            if slot.task is None:
                with contextlib.suppress(OSError):
                    slot.conn.send(("stop", None))
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

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, worker_id: int) -> _Slot:
        parent_conn, child_conn = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(child_conn, self._config),
            name=f"leancli-worker-{worker_id}",
            daemon=True,
        )
        process.start()
        child_conn.close()
        self.spawned += 1
        return _Slot(worker_id, process, parent_conn)

    def _receive(self, slot: _Slot, events: list[Event]) -> None:
        try:
            kind, payload = slot.conn.recv()
        except (EOFError, OSError):
            self._on_death(slot, events)
            return
        if kind == "ready":
            slot.ready = True
            self._start_failures = 0
        elif kind == "repl":
            slot.repl_pids = [*slot.repl_pids[-3:], payload]
        elif kind == "done":
            outcome, headers = payload
            task, slot.task = slot.task, None
            assert task is not None
            slot.headers = headers
            slot.done += 1
            events.append(Finished(task, outcome))
            if self._max_tasks and slot.done >= self._max_tasks:
                self._retire(slot)

    def _drain(self, slot: _Slot, events: list[Event]) -> None:
        """Read what a dead worker sent before it died (a last result, say)."""
        with contextlib.suppress(EOFError, OSError):
            while self._slots.get(slot.worker_id) is slot and slot.conn.poll(0):
                self._receive(slot, events)

    def _retire(self, slot: _Slot) -> None:
        with contextlib.suppress(OSError):
            slot.conn.send(("stop", None))
        slot.conn.close()  # the worker reads its stop, then EOF; it closes its own REPL
        self._retiring.append(slot.process)
        self._slots[slot.worker_id] = self._spawn(slot.worker_id)

    def _on_death(self, slot: _Slot, events: list[Event]) -> None:
        slot.process.join(timeout=1.0)
        code = slot.process.exitcode
        self._kill(slot)
        if slot.task is not None:
            events.append(Lost(slot.task, f"worker process died ({_describe(code)})"))
        elif not slot.ready:
            self._start_failures += 1
            if self._start_failures > MAX_START_FAILURES:
                raise RuntimeError(f"worker processes die on start ({_describe(code)})")
        self._slots[slot.worker_id] = self._spawn(slot.worker_id)

    def _kill(self, slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(timeout=2.0)
        for pid in slot.repl_pids:
            kill_process_group(pid)
        slot.conn.close()

    def _reap_retired(self) -> None:
        still = []
        for process in self._retiring:
            if process.exitcode is None:
                still.append(process)
            else:
                process.join(timeout=0)
        self._retiring = still


def _describe(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def worker_main(conn: Connection, config: WorkerConfig) -> None:
    """Entry point of a worker process: check tasks from `conn` until told to stop."""
    # Ctrl-C goes to the whole foreground process group; the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    _exit_with_parent(parent)
    sending = threading.Lock()  # a standby REPL is started from another thread

    def send(message: tuple[str, Any]) -> None:
        with sending:
            conn.send(message)

    worker = Worker(
        config,
        should_abort=lambda: os.getppid() != parent,
        on_repl_start=lambda pid: send(("repl", pid)),
    )
    try:
        send(("ready", None))
        worker.start()
        while True:
            try:
                kind, task = conn.recv()
            except (EOFError, OSError):
                return
            if kind == "recycle":
                worker.close()
                continue
            if kind != "task":
                return
            outcome = worker.run(task)
            send(("done", (outcome, worker.headers)))
    except (ReplAborted, BrokenPipeError, SystemExit):
        return
    finally:
        worker.close()


def _exit_with_parent(parent: int) -> None:
    """Have Linux send SIGTERM when the parent dies; the handler exits via `finally`."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        raise SystemExit(1)
