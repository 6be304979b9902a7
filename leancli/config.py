"""From what a caller asks for to a runnable check: the one place options are resolved.

`resolve(CheckRequest(...))` finds the REPL as `leancli check` does (`--repl`, then
`LEANCLI_REPL`, then `leancli setup`'s cache, then the project's own REPL), puts the Lean
options in the form the REPL's Lean accepts, wraps the REPL in the sandbox, fills in the
limits' defaults and applies the executors' rules. The CLI and the Python API both call
it; every refusal is a `ConfigError` naming the field at fault.
"""

from __future__ import annotations

import enum
import math
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from leancli.errors import ConfigError
from leancli.options import (
    AuditOptions,
    CheckOptions,
    KernelOptions,
    LeanOptions,
    MemoryLimits,
    RayOptions,
    ReplSpec,
    WorkerConfig,
)

if TYPE_CHECKING:
    # Only for annotations: discovery itself is imported when a REPL is looked for.
    from leancli.toolchain.discovery import Discovery


TRUST_LEVELS = ("audit", "kernel")


class ExecutorKind(str, enum.Enum):
    """Where workers run."""

    LOCAL = "local"
    RAY = "ray"


@dataclass(frozen=True)
class CheckRequest:
    """What a caller asks of a check, before anything is looked up (mirrors the CLI's flags).

    `repl`: a command line that starts one REPL, or `simulated`; None looks for one.
    `memory_limit` (MiB of anonymous resident memory before a REPL is recycled) and
    `hard_memory_limit` (MiB of address space, default twice that) accept 0 for "off".
    """

    repl: str | None = None
    project: Path | None = None
    workers: int = 0
    timeout: float = 60.0
    import_timeout: float = 600.0
    max_tasks: int = 0
    memory_limit: int = 8192
    hard_memory_limit: int | None = None
    heartbeats: int | None = None
    elab_async: bool = False
    incremental: bool = False
    max_headers: int = 4
    standby: bool = False
    dedup: bool = True
    executor: ExecutorKind = ExecutorKind.LOCAL
    ray_address: str | None = None
    cpus_per_repl: float = 1.0
    memory_per_repl: int = 0
    sandbox: bool = False
    tmpfs_size: int = 1024
    pass_env: tuple[str, ...] = ()
    audit: bool = True
    allow_axioms: tuple[str, ...] = ()
    allow_native_decide: bool = False
    allow_eval: bool = False
    min_free_memory: int = 0
    trust: str = "audit"  # or "kernel": every pass replayed by a kernel checker
    checker: str | None = None  # the kernel checker's command (None: look for one)
    kernel_timeout: float = 600.0


def resolve(request: CheckRequest, environ: Mapping[str, str] = os.environ) -> CheckOptions:
    """The runnable options for `request`; raises `ConfigError` before anything starts."""
    check_ranges(request)
    check_pass_env(request.pass_env, environ)
    executor = _executor_kind(request.executor)
    found = find_repl(request.repl, request.project, incremental=request.incremental)
    assert found.spec is not None
    lean = lean_options(found, request)
    if executor is ExecutorKind.LOCAL:  # on a cluster, the path must exist on the nodes
        require_executable(found.spec)
    repl = _sandboxed(found.spec, request.tmpfs_size) if request.sandbox else found.spec
    # This machine's memory says nothing of a cluster's nodes; Ray watches their memory.
    min_free = request.min_free_memory if executor is ExecutorKind.LOCAL else 0
    from leancli.run.cache import fingerprint

    hard = request.hard_memory_limit
    version = found.lean_version.tag if found.lean_version is not None else None
    return CheckOptions(
        worker=WorkerConfig(
            repl=repl,
            timeout=request.timeout,
            import_timeout=request.import_timeout,
            memory=memory_limits(request.memory_limit, hard, found, environ),
            lean=lean,
            standby=request.standby,
            max_headers=request.max_headers,
            pass_env=tuple(request.pass_env),
            kernel=kernel_options(request, found, environ, local=executor is ExecutorKind.LOCAL),
            audit=AuditOptions(
                request.audit,
                frozenset(request.allow_axioms),
                request.allow_native_decide,
                request.allow_eval,
            ),
        ),
        workers=request.workers,
        max_tasks=request.max_tasks,
        dedup=request.dedup,
        executor=executor.value,
        min_free_memory_mb=min_free,
        ray=RayOptions(
            address=request.ray_address,
            cpus_per_repl=request.cpus_per_repl,
            memory_per_repl_mb=request.memory_per_repl or request.memory_limit,
        ),
        lean_version=version,
        fingerprint=fingerprint(found.spec, version),
        found_repl=found.spec,
    )


def check_ranges(request: CheckRequest) -> None:
    """Refuse values no run can use, naming the field (a negative count, a zero timeout)."""
    if request.trust not in TRUST_LEVELS:
        raise ConfigError("trust", f"{request.trust!r} is not one of {', '.join(TRUST_LEVELS)}")
    for name in ("timeout", "import_timeout", "cpus_per_repl", "kernel_timeout"):
        value = getattr(request, name)
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(name, f"must be a positive number of {_unit(name)}, not {value}")
    counts: tuple[str, ...] = ("workers", "max_tasks", "memory_limit", "memory_per_repl")
    counts += ("min_free_memory", "tmpfs_size")
    for name in counts:
        value = getattr(request, name)
        if value < 0:
            raise ConfigError(name, f"must be 0 or more, not {value}")
    if request.hard_memory_limit is not None and request.hard_memory_limit < 0:
        raise ConfigError(
            "hard_memory_limit", f"must be 0 (none) or more, not {request.hard_memory_limit}"
        )
    if request.heartbeats is not None and request.heartbeats < 0:
        raise ConfigError("heartbeats", f"must be 0 (no limit) or more, not {request.heartbeats}")
    if request.max_headers < 1:
        raise ConfigError("max_headers", f"must be 1 or more, not {request.max_headers}")


def check_pass_env(pass_env: tuple[str, ...], environ: Mapping[str, str]) -> None:
    """Refuse an entry of `--pass-env` or LEANCLI_PASS_ENV that is not a variable name."""
    from leancli.sandbox.environment import PASS_ENV_VARIABLE, bad_name, listed_names

    if (name := bad_name(pass_env)) is not None:
        raise ConfigError("pass_env", f"{name!r} is not an environment variable name")
    if (name := bad_name(listed_names(environ.get(PASS_ENV_VARIABLE, "")))) is not None:
        raise ConfigError(
            None, f"{PASS_ENV_VARIABLE}: {name!r} is not an environment variable name"
        )


def _unit(name: str) -> str:
    return "CPUs" if name == "cpus_per_repl" else "seconds"


def _executor_kind(value: ExecutorKind | str) -> ExecutorKind:
    try:
        return ExecutorKind(value)
    except ValueError:
        choices = ", ".join(kind.value for kind in ExecutorKind)
        raise ConfigError("executor", f"{value!r} is not one of {choices}") from None


def find_repl(repl: str | None, project: Path | None, *, incremental: bool) -> Discovery:
    """The REPL from `repl` / LEANCLI_REPL, else the one `leancli doctor` would find."""
    from leancli.toolchain.discovery import discover_repl
    from leancli.toolchain.lake import require_project_dir

    require_project_dir(project)
    try:
        found = discover_repl(repl or None, project, incremental=incremental)
    except ValueError as exc:
        raise ConfigError("repl", str(exc)) from exc
    explicit = [p for p in found.errors if p.message.startswith(("--repl", "LEANCLI_REPL"))]
    if found.spec is None and explicit:  # a command given, but not one that can be run
        fix = f" ({explicit[0].fix})" if explicit[0].fix else ""
        raise ConfigError(None, explicit[0].message + fix)
    if found.spec is None:
        raise ConfigError(
            None,
            "no Lean REPL found: name one (`--repl 'PATH/TO/repl'`, `repl=` in Python, or "
            "LEANCLI_REPL), or run `leancli setup` to build one for your toolchain; "
            "`leancli doctor` explains what is missing",
        )
    return found


def require_executable(spec: ReplSpec) -> None:
    """Fail fast, rather than crash on every snippet, when the REPL command is missing."""
    program = spec.argv[0]
    if shutil.which(program, path=os.environ.get("PATH")) is None and not (
        os.sep in program and os.access(program, os.X_OK)
    ):
        raise ConfigError(
            "repl",
            f"the REPL command {program!r} is not found or not executable "
            f"({spec.source}: {spec.describe()}); `leancli doctor` explains what is missing",
        )


def lean_options(found: Discovery, request: CheckRequest) -> LeanOptions:
    """The Lean options in the form the REPL's Lean version accepts."""
    from leancli.toolchain.versions import elab_async_refusal

    if request.elab_async:
        refusal = elab_async_refusal(found.lean_version)
        if refusal is not None:
            raise ConfigError("elab_async", refusal)
    if request.incremental and found.supports_incremental is False:
        from leancli.toolchain.discovery import setup_command

        raise ConfigError(
            "incremental",
            "needs LeanInteract's REPL fork, which the REPL in use is not: "
            + setup_command(None, fork=True),
        )
    # Elab.async exists from v4.19.0: off is said explicitly only where the option exists.
    async_option = True if request.elab_async else (False if found.supports_elab_async else None)
    return LeanOptions(
        heartbeats=request.heartbeats, elab_async=async_option, incremental=request.incremental
    )


def memory_limits(
    memory_limit: int,
    hard_memory_limit: int | None,
    found: Discovery,
    environ: Mapping[str, str] = os.environ,
) -> MemoryLimits:
    """The recycling limit, and the hard one (default: twice it), which never goes under
    what the imports' .olean files need (Lean maps them all into its address space)."""
    hard = 2 * memory_limit if hard_memory_limit is None else hard_memory_limit
    if hard <= 0:
        return MemoryLimits(rss_mb=memory_limit, address_space_mb=0)
    from leancli.sandbox.address_space import address_space_floor

    # Measured once per run, where the REPL runs (`lake env` in its project).
    project = found.spec.cwd if found.spec is not None else None
    floor = address_space_floor(project, None if project else environ.get("LEAN_PATH"))
    return MemoryLimits(rss_mb=memory_limit, address_space_mb=hard, address_space_floor_mb=floor.mb)


def _sandboxed(spec: ReplSpec, tmpfs_mb: int) -> ReplSpec:
    from leancli.sandbox.bubblewrap import SandboxUnavailable, sandboxed

    try:
        return sandboxed(spec, tmpfs_mb=tmpfs_mb)
    except SandboxUnavailable as exc:
        raise ConfigError("sandbox", str(exc)) from exc


def kernel_options(
    request: CheckRequest,
    found: Discovery,
    environ: Mapping[str, str] = os.environ,
    *,
    local: bool = True,
) -> KernelOptions | None:
    """With `trust="kernel"`, the checker and how modules are made for it, run as the
    REPL is (its directory and `lake env`, the sandbox); a missing checker, or (`local`:
    its programs run on this machine) one that cannot start, is refused here, before any
    snippet runs, naming it."""
    if request.trust != "kernel":
        return None
    from leancli.toolchain.kernel_checker import cannot_start, checker_identity, find_checker

    assert found.spec is not None
    choice = find_checker(request.checker, found.spec, found.lean_version, environ)
    if choice.argv is None:
        raise ConfigError(None, f"--trust kernel needs a kernel checker: {choice.fix}")
    lake = found.spec.argv[:2] == ("lake", "env")
    problem = cannot_start(choice, found.spec.cwd, environ, lake=lake) if local else None
    if problem is not None:  # else every pass would be a crash
        raise ConfigError(None, f"--trust kernel: {problem}")
    checker = _like_repl(choice.argv, found.spec, choice.source)
    compiler = (
        _like_repl(("lean",), found.spec, "lean") if choice.module_from == "compile" else None
    )
    if request.sandbox:
        checker = _sandboxed(checker, request.tmpfs_size)
        compiler = _sandboxed(compiler, request.tmpfs_size) if compiler is not None else None
    return KernelOptions(
        checker=checker,
        module_from=choice.module_from,
        compiler=compiler,
        timeout=request.kernel_timeout,
        sandboxed=request.sandbox,
        identity=checker_identity(choice, found.spec.cwd, environ),
    )


def _like_repl(argv: tuple[str, ...], repl: ReplSpec, source: str) -> ReplSpec:
    """`argv` run where the REPL runs: in its directory, through `lake env` if it is."""
    lake = ("lake", "env") if repl.argv[:2] == ("lake", "env") else ()
    return ReplSpec(argv=(*lake, *argv), cwd=repl.cwd, source=source)
