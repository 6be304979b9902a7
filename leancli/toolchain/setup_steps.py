"""The steps `leancli setup` runs: external tools with their output streamed to a Progress."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from leancli.errors import LeancliError
from leancli.toolchain.versions import TOOLCHAIN_FILE, LeanVersion

_TAIL_LINES = 25


class SetupError(LeancliError):
    """Setup cannot go on; the message says what to install or run."""


class Progress(Protocol):
    """Where setup reports its steps; the long ones stream their output lines."""

    def start(self, title: str) -> None: ...
    def line(self, text: str) -> None: ...
    def done(self, title: str, seconds: float) -> None: ...
    def note(self, text: str) -> None: ...


def run(
    argv: list[str],
    cwd: Path | None,
    environ: Mapping[str, str],
    progress: Progress,
    title: str,
    network: str | None = None,
) -> list[str]:
    """Run `argv`, streaming its output lines to `progress`; its lines, or SetupError."""
    started = time.monotonic()
    code, lines = _execute(argv, cwd, environ, progress, title)
    if code != 0:
        raise SetupError(_failure(argv, code, lines, title, network))
    progress.done(title, time.monotonic() - started)
    return lines


def try_run(
    argv: list[str],
    cwd: Path | None,
    environ: Mapping[str, str],
    progress: Progress,
    title: str,
) -> bool:
    """Run a step that may fail (there is another way): whether it succeeded.

    A failure is reported as a note, which also ends the step's progress display."""
    started = time.monotonic()
    code, lines = _execute(argv, cwd, environ, progress, title)
    if code == 0:
        progress.done(title, time.monotonic() - started)
        return True
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    progress.note(
        f"{title}: `{shlex.join(argv)}` exited with {code}" + (f": {last}" if last else "")
    )
    return False


def git_output(args: list[str], cwd: Path, environ: Mapping[str, str]) -> str | None:
    """The stdout of a quick local `git` query, or None when git reports an error."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=dict(environ),
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def write_toolchain(directory: Path, version: LeanVersion) -> None:
    (directory / TOOLCHAIN_FILE).write_text(f"leanprover/lean4:{version.tag}\n", encoding="utf-8")


def _execute(
    argv: list[str],
    cwd: Path | None,
    environ: Mapping[str, str],
    progress: Progress,
    title: str,
) -> tuple[int, list[str]]:
    progress.start(title)
    lines: list[str] = []
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        raise SetupError(f"{title} failed: cannot run {argv[0]}: {exc}") from exc
    try:
        assert process.stdout is not None
        for line in _lines(process.stdout.fileno()):
            lines.append(line)
            progress.line(line)
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    return code, lines


def _lines(fd: int) -> Iterator[str]:
    # Progress meters rewrite their line with \r: treat it as a line end too.
    pending = b""
    while chunk := os.read(fd, 65536):
        parts = re.split(rb"\r\n|\r|\n", pending + chunk)
        pending = parts.pop()
        for part in parts:
            yield part.decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def _failure(
    argv: list[str],
    code: int,
    lines: list[str],
    title: str,
    network: str | None,
) -> str:
    tail = "\n".join(f"  {line}" for line in deque((ln for ln in lines if ln.strip()), _TAIL_LINES))
    message = f"{title} failed: `{shlex.join(argv)}` exited with {code}; nothing was kept."
    if network is not None:
        message += (
            f"\nThis step downloads from {network}: check the network connection "
            "(and proxy settings), then run leancli setup again."
        )
    return f"{message}\n{tail}" if tail else message
