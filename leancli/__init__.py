"""leancli: check Lean 4 snippets in bulk over a pool of REPL workers."""

from leancli.items import InputSpec, InvalidLine, Item, read_items
from leancli.options import CheckOptions, ReplSpec
from leancli.results import Result, Status
from leancli.run import check

__version__ = "0.1.0"

__all__ = [
    "CheckOptions",
    "InputSpec",
    "InvalidLine",
    "Item",
    "ReplSpec",
    "Result",
    "Status",
    "__version__",
    "check",
    "read_items",
]
