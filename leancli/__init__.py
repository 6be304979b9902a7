"""leancli: check Lean 4 snippets in bulk over a pool of REPL workers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leancli.version import __version__

__all__ = [
    "CheckOptions",
    "CheckRequest",
    "Checker",
    "CheckerClosed",
    "ConfigError",
    "InputSpec",
    "InvalidLine",
    "Item",
    "LeancliError",
    "ReplSpec",
    "Result",
    "Status",
    "__version__",
    "check",
    "read_items",
]

if TYPE_CHECKING:
    from leancli.checker import Checker, CheckerClosed
    from leancli.config import CheckRequest
    from leancli.errors import ConfigError, LeancliError
    from leancli.inputs.items import InputSpec, InvalidLine, Item, read_items
    from leancli.options import CheckOptions, ReplSpec
    from leancli.records import Result, Status
    from leancli.run.loop import check

_HOMES = {
    "Checker": "leancli.checker",
    "CheckerClosed": "leancli.checker",
    "CheckRequest": "leancli.config",
    "ConfigError": "leancli.errors",
    "LeancliError": "leancli.errors",
    "InputSpec": "leancli.inputs.items",
    "InvalidLine": "leancli.inputs.items",
    "Item": "leancli.inputs.items",
    "read_items": "leancli.inputs.items",
    "CheckOptions": "leancli.options",
    "ReplSpec": "leancli.options",
    "Result": "leancli.records",
    "Status": "leancli.records",
    "check": "leancli.run.loop",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that `leancli --help` does not pay for the whole pipeline's imports.
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'leancli' has no attribute {name!r}")
