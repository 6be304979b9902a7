"""The programs leancli runs (elan, lake, lean, git): where they are, and what they report.

Each probe runs once; its result is a `Tool` that discovery, doctor and setup all read.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from leancli.toolchain.versions import LeanVersion, parse_lean_version_output

ELAN_INSTALL = (
    "curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh"
)
PROBE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Tool:
    """A program looked up on PATH and asked `--version` in one directory.

    `path` is None when it is not on PATH (then nothing ran); `ok` says whether
    `--version` succeeded, `output` is what it printed (or why it could not run)."""

    name: str
    path: str | None
    ok: bool = False
    output: str = ""

    @property
    def found(self) -> bool:
        return self.path is not None

    @property
    def first_line(self) -> str:
        return self.output.splitlines()[0] if self.output else ""

    @property
    def lean_version(self) -> LeanVersion | None:
        """The Lean version in the output (`lean --version`, and `lake --version` too)."""
        return parse_lean_version_output(self.output) if self.ok else None


def which(name: str, environ: Mapping[str, str]) -> str | None:
    return shutil.which(name, path=environ.get("PATH", os.defpath))


def probe(
    argv: list[str], cwd: Path, environ: Mapping[str, str], timeout: float = PROBE_TIMEOUT
) -> tuple[bool, str]:
    """Run a short command; (succeeded, its stdout and stderr), never raising."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=dict(environ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return False, f"{shlex.join(argv)} did not finish within {timeout:.0f} s"
    except OSError as exc:
        return False, f"{shlex.join(argv)} could not run: {exc}"
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def find_tool(name: str, directory: Path, environ: Mapping[str, str]) -> Tool:
    """`name` on PATH and its `--version` in `directory` (under elan, the toolchain there)."""
    path = which(name, environ)
    if path is None:
        return Tool(name, None)
    ok, output = probe([path, "--version"], directory, environ)
    return Tool(name, path, ok, output)


def find_tools(
    names: Iterable[str], directory: Path, environ: Mapping[str, str]
) -> dict[str, Tool]:
    return {name: find_tool(name, directory, environ) for name in names}


def lean_version_in(directory: Path, environ: Mapping[str, str]) -> LeanVersion | None:
    """The version `lean --version` reports in `directory` (elan picks the toolchain there)."""
    return find_tool("lean", directory, environ).lean_version
