"""The one base of every error leancli's library raises, so that a caller catches one type.

The CLI converts `LeancliError` (and nothing broader) into a one-line message and an exit
code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class LeancliError(Exception):
    """Something leancli cannot do as asked: bad options, a missing tool, an unwritable file."""


class ConfigError(LeancliError):
    """Options that cannot make a runnable check; `option` names the field at fault.

    The field is named as the Python API spells it (`timeout`, `memory_limit`); the CLI
    shows it as its flag (`--timeout`, `--memory-limit`).
    """

    def __init__(self, option: str | None, message: str) -> None:
        super().__init__(f"{option}: {message}" if option else message)
        self.option = option
        self.reason = message
