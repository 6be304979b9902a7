"""LeanInteract driven as its docs recommend for many proofs, against the simulated REPL.

One `LeanREPLConfig` is made in the parent; a spawn-context `multiprocessing.Pool` runs one
`AutoLeanServer` per process (made by the pool initializer). Each process imports a header
once, with `add_to_session_cache=True`, and runs every body of that header as
`Command(cmd=body, env=<that session id>)`, the header reuse its docs describe.

LeanInteract starts `<lake> env <repl dir>/.lake/build/bin/repl`; here the REPL dir holds a
`lean-toolchain` and a `repl` script that execs the simulated REPL, and the lake is a
script that answers `--version`, does nothing on `build` and execs its arguments on `env`.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAKE_LAKE = """#!/bin/sh
case "$1" in
  --version) echo "Lake version 5.0.0-fake (Lean version 4.19.0)" ;;
  build) exit 0 ;;
  env) shift; exec "$@" ;;
  *) exit 1 ;;
esac
"""

_server: Any = None
_envs: dict[str, int] = {}


def available() -> str | None:
    """LeanInteract's version, or None when it is not installed."""
    try:
        from importlib.metadata import version

        import lean_interact  # noqa: F401
    except ImportError:
        return None
    return version("lean-interact")


def make_repl_dir(root: Path, python: str, fake_repl: Path) -> tuple[Path, Path]:
    """A REPL folder and a fake lake for `LeanREPLConfig(local_repl_path=..., lake_path=...)`."""
    repl_dir = root / "repl"
    binary = repl_dir / ".lake" / "build" / "bin" / "repl"
    binary.parent.mkdir(parents=True)
    (repl_dir / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
    binary.write_text(f'#!/bin/sh\nexec {python} {fake_repl} --model "$@"\n')
    lake = root / "lake"
    lake.write_text(FAKE_LAKE)
    binary.chmod(0o755)
    lake.chmod(0o755)
    return repl_dir, lake


def _start(config: Any) -> None:
    global _server
    from lean_interact import AutoLeanServer

    _server = AutoLeanServer(config)


def _check(task: tuple[int, str, str]) -> tuple[int, str]:
    from lean_interact import Command
    from lean_interact.interface import CommandResponse

    index, header, body = task
    try:
        env = _envs.get(header)
        if env is None:
            answer = _server.run(Command(cmd=header), add_to_session_cache=True)
            env = _envs[header] = answer.env
        answer = _server.run(Command(cmd=body, env=env), timeout=60)
    except Exception as exc:  # a timeout or a dead REPL: LeanInteract raises
        return index, type(exc).__name__
    if not isinstance(answer, CommandResponse):
        return index, "error"
    return index, "ok"


@dataclass
class PoolRun:
    wall: float
    statuses: dict[str, int]
    imports: int = 0


def default_chunksize(tasks: int, workers: int) -> int:
    """What `Pool.map` / `Pool.starmap` (the docs' example) would use."""
    chunksize, extra = divmod(tasks, workers * 4)
    return chunksize + 1 if extra else max(chunksize, 1)


def run_pool(
    tasks: list[tuple[str, str]],
    repl_dir: Path,
    lake: Path,
    *,
    workers: int,
    chunksize: int,
    env: dict[str, str],
) -> PoolRun:
    """Check (header, body) pairs; the wall time covers config, pool start and shutdown."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # spawned pool processes and their REPLs inherit it
    try:
        return _run_pool(tasks, repl_dir, lake, workers, chunksize)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run_pool(
    tasks: list[tuple[str, str]],
    repl_dir: Path,
    lake: Path,
    workers: int,
    chunksize: int,
) -> PoolRun:
    from lean_interact import LeanREPLConfig

    started = time.perf_counter()
    config = LeanREPLConfig(local_repl_path=repl_dir, lake_path=lake, build_repl=False)
    numbered = [(index, header, body) for index, (header, body) in enumerate(tasks)]
    statuses: dict[str, int] = {}
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_start, initargs=(config,)) as pool:
        for _, status in pool.imap_unordered(_check, numbered, chunksize=chunksize):
            statuses[status] = statuses.get(status, 0) + 1
    return PoolRun(time.perf_counter() - started, statuses)
