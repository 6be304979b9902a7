"""What stops (`error`) or degrades (`warning`) a check, with the command that fixes it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something that stops (`error`) or degrades (`warning`) a check, and its fix."""

    message: str
    fix: str = ""
    severity: Severity = "error"


def in_dir(directory: Path, command: str) -> str:
    """A shell command that runs `command` in `directory`."""
    return f"cd {shlex.quote(str(directory))} && {command}"
