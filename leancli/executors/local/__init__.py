"""The local executor: worker processes on this machine.

`supervisor` is the parent's side (`spawning` how it starts a worker), `child` the loop
in each worker process, `messages` what they say to each other and `channel` how it
travels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leancli.executors.local.supervisor import LocalExecutor

__all__ = ["LocalExecutor"]


def __getattr__(name: str) -> Any:
    # Lazy: a worker process imports this package for `child` alone, and starts faster
    # without the supervisor's imports.
    if name == "LocalExecutor":
        from leancli.executors.local.supervisor import LocalExecutor

        return LocalExecutor
    raise AttributeError(f"module 'leancli.executors.local' has no attribute {name!r}")
