"""Typed options of a check run."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ReplSpec:
    """How to start one REPL: `argv` run in `cwd` (a Lake project, via `lake env`)."""

    argv: tuple[str, ...]
    cwd: Path | None = None
    source: str = "--repl"
    cpu_factor: float = 0.0  # CPU seconds a request may use, per second of its timeout

    @classmethod
    def from_command(
        cls, command: str, project: Path | None = None, source: str = "--repl"
    ) -> ReplSpec:
        argv = tuple(shlex.split(command))
        if not argv:
            raise ValueError("the REPL command is empty")
        if project is not None:
            argv = ("lake", "env", *argv)
        return cls(argv=argv, cwd=project, source=source)

    def describe(self) -> str:
        where = f" (in {self.cwd})" if self.cwd else ""
        return shlex.join(self.argv) + where


@dataclass(frozen=True)
class MemoryLimits:
    """`rss_mb`: the watched anonymous resident size of a REPL's process tree (RssAnon:
    not the .olean files it maps, which are shared and droppable); `address_space_mb`:
    RLIMIT_AS (0: none), never set below `address_space_floor_mb` (what the imports'
    .olean files need, see address_space.py)."""

    rss_mb: int = 8192
    address_space_mb: int = 0
    address_space_floor_mb: int = 0

    def hard_limit_bytes(self) -> int | None:
        if self.address_space_mb <= 0:
            return None
        return max(self.address_space_mb, self.address_space_floor_mb) * 1024 * 1024


@dataclass(frozen=True)
class LeanOptions:
    """Lean options for every snippet.

    `heartbeats`: Lean's maxHeartbeats (in thousands); `elab_async`: Elab.async, None to
    leave it alone (versions before v4.19.0 lack the option); `incremental`: the REPL
    fork's `"incrementality": true` field on every command.
    """

    heartbeats: int | None = None
    elab_async: bool | None = None
    incremental: bool = False


@dataclass(frozen=True)
class AuditOptions:
    """`#print axioms` audit of passing snippets, and the refusals; `allowed` adds to
    Lean's three axioms, `allow_eval` re-admits `#eval`, `allow_native_decide` accepts
    code the compiler decided."""

    enabled: bool = True
    allowed: frozenset[str] = frozenset()
    allow_native_decide: bool = False
    allow_eval: bool = False


@dataclass(frozen=True)
class KernelOptions:
    """`--trust kernel`: every pass is made into a module of its own and replayed by
    `checker`, run as `checker.argv + (MODULE,)` with the module's directory on LEAN_PATH
    (exit 0: accepted). `module_from` says how the module is made: "pickle" (the REPL's
    `pickleTo`, which only the simulated checker reads) or "compile" (`compiler.argv +
    ("-o", OLEAN, LEAN)`: Lean's own module, which leanchecker and lean4checker read).
    `sandboxed`: the programs run under bubblewrap, which must see the module's directory.
    `identity`: the checker as a verdict depends on it, for the result cache's key and the
    receipt (`kernel_checker.checker_identity`)."""

    checker: ReplSpec
    module_from: str = "compile"
    compiler: ReplSpec | None = None
    timeout: float = 600.0
    sandboxed: bool = False
    identity: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs to own a REPL; picklable for spawn and Ray."""

    repl: ReplSpec
    timeout: float = 60.0
    import_timeout: float = 600.0
    memory: MemoryLimits = field(default_factory=MemoryLimits)
    max_headers: int = 4
    standby: bool = False
    lean: LeanOptions = field(default_factory=LeanOptions)
    audit: AuditOptions = field(default_factory=AuditOptions)
    environment: tuple[tuple[str, str], ...] = ()  # leancli's own settings for the REPL
    pass_env: tuple[str, ...] = ()  # names of the user's variables the REPL may see
    kernel: KernelOptions | None = None  # --trust kernel: replay every pass

    @property
    def trust(self) -> str:
        """How far a result of this worker is checked (the `trust` of its results)."""
        return "kernel" if self.kernel is not None else "audit" if self.audit.enabled else "lean"


@dataclass(frozen=True)
class RayOptions:
    """Where and how to place workers as Ray actors (`--executor ray`)."""

    address: str | None = None
    cpus_per_repl: float = 1.0
    memory_per_repl_mb: int = 0


@dataclass(frozen=True)
class CheckOptions:
    """Options of `leancli check` beyond how to read the input."""

    worker: WorkerConfig
    workers: int = 0
    max_tasks: int = 0
    dedup: bool = True
    executor: str = "local"
    ray: RayOptions = field(default_factory=RayOptions)
    min_free_memory_mb: int = 0
    lean_version: str | None = None  # of the REPL, as well as discovery knows it
    fingerprint: str = ""  # of the checking environment, for the result cache
    found_repl: ReplSpec | None = None  # the REPL as found, before a sandbox wraps it

    @property
    def pool_size(self) -> int:
        return self.workers if self.workers > 0 else usable_cores()


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
