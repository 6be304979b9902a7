"""Executors run workers somewhere: a local process pool, or Ray actors."""

from __future__ import annotations

from leancli.errors import LeancliError
from leancli.executors.base import Executor
from leancli.options import CheckOptions

EXECUTORS = ("local", "ray")


class ExecutorUnavailable(LeancliError, RuntimeError):
    """The chosen executor cannot run here (e.g. Ray is not installed)."""


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
