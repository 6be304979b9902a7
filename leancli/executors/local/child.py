"""The worker process of the local executor: runs the tasks the parent sends, in order."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys
import threading
import traceback
from collections import deque
from multiprocessing.connection import Connection
from types import FrameType

from leancli.executors.local import messages
from leancli.executors.local.channel import Channel
from leancli.executors.supervision import describe_exception
from leancli.options import WorkerConfig
from leancli.records import Task, outcome_to_plain, task_from_plain
from leancli.repl.session import ReplAborted
from leancli.repl.worker import Worker

# What ends the loop quietly: the parent is gone, or told this process to go.
_PARENT_GONE = (ReplAborted, BrokenPipeError, EOFError)


def worker_main(conn: Connection, config: WorkerConfig) -> None:
    """Entry point of a worker process: check tasks from `conn` until told to stop."""
    # Ctrl-C goes to the whole foreground process group; the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    _exit_with_parent(parent)
    loop = _WorkerLoop(conn, config, parent)
    # What exists now (modules, mostly) lives as long as the process: kept out of the
    # collector's full passes, which run every few thousand snippets otherwise.
    gc.freeze()
    code = loop.serve()
    # Its REPL is gone and nothing is left to flush: skip the interpreter's teardown,
    # as multiprocessing does for forked children; the parent is waiting on the exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _WorkerLoop:
    """Reads tasks, cancels, recycles and stops from the parent; runs tasks in order.

    An exception while running a task goes to the parent as an `Error` (which treats
    that task as lost with its worker) and the loop goes on with a fresh `Worker`; one
    anywhere else goes to the parent too, and ends the process.
    """

    def __init__(self, conn: Connection, config: WorkerConfig, parent: int) -> None:
        self._channel = Channel(conn, blocking=True)
        self._config = config
        self._parent = parent
        self._sending = threading.Lock()  # a standby REPL is started from another thread
        self._queue: deque[Task] = deque()
        self._stopping = False
        self._sent_headers: frozenset[str] | None = None
        self._worker = self._new_worker()

    def serve(self) -> int:
        """Run until told to stop or the parent is gone: 0; or until an exception
        outside any task, reported to the parent: 1."""
        try:
            self._send(messages.Ready())
            self._worker.start()
            while not self._stopping:
                self._read(block=not self._queue)
                if self._queue and not self._stopping:
                    self._run(self._queue.popleft())
            return 0
        except (*_PARENT_GONE, SystemExit):
            return 0
        except Exception as exc:
            with contextlib.suppress(*_PARENT_GONE):
                self._send(_error(None, exc))
            return 1
        finally:
            self._worker.close()

    def _run(self, task: Task) -> None:
        try:
            outcome = self._worker.run(task)
        except _PARENT_GONE:
            raise
        except Exception as exc:
            # The worker may be anywhere in its state: start again from a clean one.
            self._send(_error(task.key, exc))
            self._replace_worker()
            return
        headers = self._worker.headers
        changed = headers if headers != self._sent_headers else None
        self._sent_headers = headers
        self._send(messages.Done(task.key, outcome_to_plain(outcome), changed))

    def _new_worker(self) -> Worker:
        return Worker(
            self._config,
            should_abort=self._tick,
            on_repl_start=lambda pid: self._send(messages.ReplStarted(pid)),
        )

    def _replace_worker(self) -> None:
        self._worker.close()
        self._worker = self._new_worker()
        self._sent_headers = None

    def _tick(self) -> bool:
        """Called while a snippet runs: answer the parent at once; True if it is gone."""
        if threading.current_thread() is threading.main_thread():  # not the standby's
            with contextlib.suppress(EOFError, OSError):
                self._read(block=False)
        return os.getppid() != self._parent

    def _read(self, *, block: bool) -> None:
        """Handle the messages waiting (waiting for some if `block`)."""
        if block or self._channel.ready():
            for plain in self._channel.receive():
                self._handle(messages.decode(plain))

    def _handle(self, message: object) -> None:
        if isinstance(message, messages.RunTasks):
            self._queue.extend(task_from_plain(fields) for fields in message.tasks)
        elif isinstance(message, messages.Cancel):
            keys = set(message.keys)
            cancelled = [task.key for task in self._queue if task.key in keys]
            self._queue = deque(task for task in self._queue if task.key not in keys)
            self._send(messages.Cancelled(cancelled))
        elif isinstance(message, messages.Recycle):
            # A fresh worker, not only a closed REPL: a closed one's standby is gone.
            self._replace_worker()
        elif isinstance(message, messages.Stop):
            self._stopping = True
        else:
            kind = type(message).__name__
            raise messages.UnknownMessage(f"a worker does not take {kind} messages")

    def _send(self, message: messages.ToParent) -> None:
        with self._sending:
            self._channel.send(messages.encode(message))


def _error(key: int | None, exc: BaseException) -> messages.Error:
    where = traceback.extract_tb(exc.__traceback__)
    place = f" (at {os.path.basename(where[-1].filename)}:{where[-1].lineno})" if where else ""
    formatted = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return messages.Error(key, describe_exception(exc) + place, formatted)


def _exit_with_parent(parent: int) -> None:
    """Exit (via `finally`) on SIGTERM, and when the parent dies.

    Linux sends the parent-death signal (SIGUSR1 here) also when the parent *thread*
    ends: a `Checker` made in a thread that then ends would lose its workers. The
    process is still our parent then (the child is handed to another of its threads),
    so that signal is ignored."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    def parent_thread_gone(signum: int, frame: FrameType | None) -> None:
        if os.getppid() != parent:
            raise SystemExit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGUSR1, parent_thread_gone)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGUSR1)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        raise SystemExit(1)
