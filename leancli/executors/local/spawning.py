"""Starting a worker process: what it must not inherit from the parent.

A spawn child re-runs no `__main__` (`_main_module_hidden`), starts with Ctrl-C ignored
(`_interrupts_held`), and is forgotten by a child of `os.fork()` (`_disown_workers`).
"""

from __future__ import annotations

import contextlib
import multiprocessing.process
import os
import signal
import sys
import threading
import types
import weakref
from collections.abc import Iterator
from multiprocessing.process import BaseProcess


def start_worker(process: BaseProcess) -> None:
    with _main_module_hidden(), _interrupts_held():
        process.start()
    _WORKERS.add(process)


# Every worker process started here: a child of `os.fork()` must not take them for its own.
_WORKERS: weakref.WeakSet[BaseProcess] = weakref.WeakSet()


def _disown_workers() -> None:
    """In a child of `os.fork()`: forget the parent's workers.

    multiprocessing's exit handler terminates and joins every process in its list of
    children; after a plain fork that list is the parent's, so a child that exits would
    stop the parent's workers (and fail: "can only join a child process")."""
    children = getattr(multiprocessing.process, "_children", None)
    if isinstance(children, set):
        children.difference_update(_WORKERS)
    _WORKERS.clear()


os.register_at_fork(after_in_child=_disown_workers)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Start a child with SIGINT ignored, which it keeps across exec.

    Ctrl-C goes to the whole foreground process group; a worker ignores it once
    `worker_main` runs, but a fresh interpreter takes a few tenths of a second to get
    there and would print a KeyboardInterrupt traceback meanwhile. Meanwhile SIGINT is
    also blocked here: Linux keeps a blocked signal pending even while it is ignored, so
    a Ctrl-C in that moment reaches the parent's own handler once it is restored.
    (Only the main thread may change a handler; elsewhere the child starts as it is.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a spawn child without the parent's `__main__`.

    A spawn child first re-runs the parent's main script: the `leancli` console script
    imports the whole CLI, a user's script whatever it imports. A worker needs nothing
    from it (it is sent only leancli objects), so the child is shown a bare module.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
