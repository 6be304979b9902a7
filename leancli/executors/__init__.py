"""Where workers run: a local process pool (`local/`) or Ray actors (`ray`).

`base` is the small interface the run loop drives; `supervision` what both executors share
(retiring and restarting workers, start failures, child exceptions sent to the parent).

May import: `repl` (the worker each process or actor hosts) and the base modules.
"""

from __future__ import annotations

from leancli.executors.base import Executor, ExecutorUnavailable
from leancli.options import CheckOptions

__all__ = ["EXECUTORS", "Executor", "ExecutorUnavailable", "make_executor"]

EXECUTORS = ("local", "ray")


def make_executor(options: CheckOptions) -> Executor:
    """The executor named by `options.executor`, started and ready for tasks."""
    if options.executor == "local":
        from leancli.executors.local.supervisor import LocalExecutor

        return LocalExecutor(options.worker, options.pool_size, options.max_tasks)
    if options.executor == "ray":
        try:
            from leancli.executors.ray import RayExecutor
        except ImportError as exc:
            raise ExecutorUnavailable(
                "--executor ray needs Ray: pip install 'leancli[ray]'"
            ) from exc
        return RayExecutor(options)
    raise ExecutorUnavailable(f"unknown executor {options.executor!r}: use one of {EXECUTORS}")
