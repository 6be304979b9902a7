"""Finding the kernel checker `--trust kernel` runs, as the REPL is found.

In order: `--checker CMD`, then LEANCLI_CHECKER, then (with the simulated REPL) the
simulated checker, then the toolchain's own `leanchecker` (every Lean toolchain from
v4.28.0-rc1 has it, lean4 PR #11887; elan proxies it), then `leancli setup --checker`'s
build of lean4checker for the REPL's Lean version (before v4.28.0). The value `simulated`
names the simulated checker, like `--repl simulated`.

What the checker reads decides how a pass is made into a module: the simulated checker
reads the REPL's pickle (`pickleTo`); leanchecker, lean4checker and any other command get
Lean's own module, compiled with `lean -o`, because a REPL pickle is not a module's
.olean (REPL/Util/Pickle.lean pickles a tuple of its own with `saveModuleData`).
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from leancli import simulated
from leancli.options import ReplSpec
from leancli.toolchain import cache_dirs
from leancli.toolchain.cache_dirs import Kind
from leancli.toolchain.versions import LeanVersion

CHECKER_VARIABLE = "LEANCLI_CHECKER"
LEANCHECKER_SINCE = LeanVersion(4, 28, 0, "rc1")  # the first toolchain with `leanchecker`
LEAN4CHECKER_BINARY = Path(".lake/build/bin/lean4checker")


@dataclass(frozen=True)
class CheckerChoice:
    """The checker found (`argv`, run as `argv + (MODULE,)`), where it came from, and how
    modules are made for it; with no checker, `fix` says how to get one."""

    argv: tuple[str, ...] | None
    source: str
    module_from: str = "compile"
    fix: str = ""

    def describe(self) -> str:
        if self.argv is None:
            return f"none: {self.fix}"
        return f"{shlex.join(self.argv)} ({self.source}; modules by {self.module_from})"


def lean4checker_binary(version: LeanVersion, environ: Mapping[str, str] = os.environ) -> Path:
    """Where `leancli setup --checker` puts lean4checker for `version`."""
    return cache_dirs.version_dir(cache_dirs.cache_root(environ), Kind.CHECKER, version) / (
        LEAN4CHECKER_BINARY
    )


def find_checker(
    given: str | None,
    repl: ReplSpec | None,
    version: LeanVersion | None,
    environ: Mapping[str, str] = os.environ,
) -> CheckerChoice:
    """The checker `--trust kernel` would use with `repl`, of Lean `version`."""
    simulated_repl = repl is not None and repl.argv == simulated.argv()
    for command, source in (
        (given, "--checker"),
        (environ.get(CHECKER_VARIABLE), CHECKER_VARIABLE),
    ):
        if command is not None and command.strip():  # an empty one is not set
            return _named(command, source)
    if simulated_repl:
        return CheckerChoice(simulated.checker_argv(), "the simulated REPL's", "pickle")
    if version is None or version >= LEANCHECKER_SINCE:
        found = shutil.which("leanchecker", path=environ.get("PATH"))
        if found is not None:
            return CheckerChoice(("leanchecker",), "the toolchain's leanchecker")
    if version is not None and version < LEANCHECKER_SINCE:
        built = lean4checker_binary(version, environ)
        if built.is_file() and os.access(built, os.X_OK):
            return CheckerChoice((str(built),), "leancli setup --checker")
        return CheckerChoice(None, "", fix=_fix(version))
    return CheckerChoice(None, "", fix=_fix(version))


def cannot_start(
    choice: CheckerChoice,
    cwd: Path | None,
    environ: Mapping[str, str] = os.environ,
    *,
    lake: bool = False,
) -> str | None:
    """Why `--trust kernel` with `choice` could not start its programs, or None: the
    checker, and `lean` where it makes the module (`lean -o`) outside Lake (`lake env`
    finds its own). Run as the REPL is, a relative path is taken from `cwd`."""
    assert choice.argv is not None
    command = shlex.join(choice.argv)
    problem = _program_problem(choice.argv[0], cwd, environ)
    if problem is not None:
        return f"the kernel checker {command} ({choice.source}) cannot start: {problem}"
    if choice.module_from == "compile" and not lake:
        problem = _program_problem("lean", cwd, environ)
        if problem is not None:
            return (
                f"`lean`, which makes the module the kernel checker {command} reads "
                f"(`lean -o`), cannot start: {problem} (install the toolchain with elan)"
            )
    return None


def checker_identity(
    choice: CheckerChoice, cwd: Path | None, environ: Mapping[str, str] = os.environ
) -> tuple[str, ...]:
    """The checker as a verdict depends on it: its command line with the program
    resolved (PATH, links), then that file's size and modification time, as the result
    cache knows the REPL's binaries (`run/cache.py`, `fingerprint`)."""
    assert choice.argv is not None
    program = choice.argv[0]
    named = (
        shutil.which(program, path=environ.get("PATH", os.defpath))
        if os.sep not in program
        else str((cwd or Path.cwd()) / program)
    )
    resolved = os.path.realpath(named) if named else program
    try:
        stat = os.stat(resolved)
    except OSError:
        return (resolved, *choice.argv[1:])
    return (resolved, *choice.argv[1:], f"{stat.st_size} bytes, modified {stat.st_mtime_ns} ns")


def _program_problem(program: str, cwd: Path | None, environ: Mapping[str, str]) -> str | None:
    if os.sep not in program:
        found = shutil.which(program, path=environ.get("PATH", os.defpath))
        return None if found is not None else f"no `{program}` on PATH"
    path = (cwd or Path.cwd()) / program
    if not path.is_file():
        return f"{program} does not exist" if not path.exists() else f"{program} is not a file"
    if not os.access(path, os.X_OK):
        return f"{program} is not executable"
    return None


def _named(command: str, source: str) -> CheckerChoice:
    if simulated.is_simulated(command):
        return CheckerChoice(simulated.checker_argv(), f"{source} simulated", "pickle")
    return CheckerChoice(tuple(shlex.split(command)), source)


def _fix(version: LeanVersion | None) -> str:
    if version is not None and version < LEANCHECKER_SINCE:
        return (
            f"Lean {version.tag} has no leanchecker (toolchains have it from "
            f"{LEANCHECKER_SINCE.tag}): run `leancli setup --checker` to build lean4checker, "
            "or name one with --checker / LEANCLI_CHECKER"
        )
    return (
        "no `leanchecker` on PATH (Lean toolchains have it from "
        f"{LEANCHECKER_SINCE.tag}; install the toolchain with elan), or name one with "
        "--checker / LEANCLI_CHECKER"
    )
