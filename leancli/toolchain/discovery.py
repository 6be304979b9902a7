"""Find the Lean REPL that `leancli check` should run, and say what is wrong when there is none.

Order: `--repl`, then `$LEANCLI_REPL`, then the leancli cache (`leancli setup`) for the
toolchain of the project or current directory, then a REPL inside the project. Each place
looked in gives a `_Found`; `discover_repl` then builds the one frozen `Discovery`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from leancli import simulated
from leancli.options import ReplSpec
from leancli.toolchain import cache_dirs
from leancli.toolchain.cache_dirs import Kind
from leancli.toolchain.lake import LakeProject, project_problems, read_project
from leancli.toolchain.problem import Problem, in_dir
from leancli.toolchain.repl_checkout import read_checkout, repl_executable
from leancli.toolchain.tools import ELAN_INSTALL, Tool, find_tool
from leancli.toolchain.versions import (
    LeanVersion,
    Toolchain,
    read_toolchain,
    supports_elab_async,
)

Source = Literal["--repl", "LEANCLI_REPL", "cache", "project"]
# The sources a caller names (a command line), as opposed to the places leancli looks in.
EXPLICIT_SOURCES: frozenset[Source] = frozenset({"--repl", "LEANCLI_REPL"})


@dataclass(frozen=True)
class Discovery:
    """The REPL to run and what is known about it.

    `repl_version` is the Lean the REPL was built for (read from its checkout);
    `toolchain_version` is the Lean of the project or current directory. `project` is the
    Lake project as read (None without `--project`); `lean` is the `lean --version` probe
    when discovery ran one (the toolchain was not pinned to a version).
    """

    spec: ReplSpec | None = None
    source: Source | None = None
    repl_path: Path | None = None
    repl_version: LeanVersion | None = None
    toolchain: Toolchain | None = None
    toolchain_version: LeanVersion | None = None
    supports_incremental: bool | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    project: LakeProject | None = None
    lean: Tool | None = None

    @property
    def lean_version(self) -> LeanVersion | None:
        """The Lean version the REPL runs, as well as it is known."""
        return self.repl_version or self.toolchain_version

    @property
    def supports_elab_async(self) -> bool | None:
        version = self.lean_version
        return None if version is None else supports_elab_async(version)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


@dataclass(frozen=True)
class _Found:
    """What one place gave: the REPL there (`spec` None: none) and what its checkout says."""

    spec: ReplSpec | None = None
    source: Source | None = None
    repl_path: Path | None = None
    repl_version: LeanVersion | None = None
    supports_incremental: bool | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()


def discover_repl(
    repl: str | None,
    project: Path | None,
    environ: Mapping[str, str] = os.environ,
    *,
    incremental: bool = False,
    cwd: Path | None = None,
    lean: Tool | None = None,
) -> Discovery:
    """Find the REPL that `check` would use; `incremental` prefers the fork's REPL.

    Runs `lean --version` only when the toolchain is not pinned to a version, and not at
    all when `lean` is that probe already run in the same directory (doctor's).
    """
    here = (project or cwd or Path.cwd()).resolve()
    project = project.resolve() if project is not None else None
    toolchain = read_toolchain(here)
    if toolchain is not None and toolchain.version is not None:
        wanted: LeanVersion | None = toolchain.version
    else:
        # A channel (`stable`) or no file: ask elan's `lean`, which resolves it.
        lean = lean or find_tool("lean", here, environ)
        wanted = lean.lean_version
    found = _look(repl, project, here, environ, incremental, wanted, lean)
    lake_project = read_project(project) if project is not None else None
    problems = [
        *found.problems,
        *_version_mismatch(found, wanted, project),
        *(project_problems(lake_project) if lake_project is not None else ()),
    ]
    return Discovery(
        spec=found.spec,
        source=found.source,
        repl_path=found.repl_path,
        repl_version=found.repl_version,
        toolchain=toolchain,
        toolchain_version=wanted,
        supports_incremental=found.supports_incremental,
        problems=tuple(problems),
        notes=found.notes,
        project=lake_project,
        lean=lean,
    )


def setup_command(project: Path | None, *, fork: bool = False, mathlib: bool = False) -> str:
    """The exact `leancli setup` invocation that provides a REPL for `project`."""
    parts = ["leancli", "setup"]
    if project is not None:
        parts += ["--project", str(project)]
    if fork:
        parts.append("--fork")
    if mathlib:
        parts.append("--mathlib")
    return shlex.join(parts)


# --- the places to look in, in order -----------------------------------------------------


def _look(
    repl: str | None,
    project: Path | None,
    here: Path,
    environ: Mapping[str, str],
    incremental: bool,
    wanted: LeanVersion | None,
    lean: Tool | None,
) -> _Found:
    command, source = _explicit_command(repl, environ)
    if command is not None and source is not None:
        return _from_command(command, source, project)
    found = _from_cache(project, environ, incremental, wanted)
    if found is None:
        found = _from_project(project) if project is not None else _Found()
    if found.spec is None:
        found = _nothing_found(found, project, here, environ, incremental, wanted, lean)
    return found


def _explicit_command(
    repl: str | None, environ: Mapping[str, str]
) -> tuple[str | None, Source | None]:
    if repl:
        return repl, "--repl"
    if environ.get("LEANCLI_REPL"):
        return environ["LEANCLI_REPL"], "LEANCLI_REPL"
    return None, None


def _from_command(command: str, source: Source, project: Path | None) -> _Found:
    if simulated.is_simulated(command):
        spec = ReplSpec(argv=simulated.argv(), cwd=None, source=source)
        return _Found(spec, source, notes=(f"{source} {simulated.NAME}: {simulated.NOTE}",))
    try:
        spec = ReplSpec.from_command(command, project, source)
    except ValueError as exc:
        fix = "unset LEANCLI_REPL" if source == "LEANCLI_REPL" else ""
        return _Found(problems=(Problem(f"{source}: {exc}", fix=fix),))
    binary = repl_executable(shlex.split(command))
    return _Found(spec, source) if binary is None else _built_repl(spec, source, binary)


def _from_cache(
    project: Path | None,
    environ: Mapping[str, str],
    incremental: bool,
    version: LeanVersion | None,
) -> _Found | None:
    if version is None:
        return None
    root = cache_dirs.cache_root(environ)
    kinds = [Kind.REPL_FORK, Kind.REPL] if incremental else [Kind.REPL, Kind.REPL_FORK]
    for kind in kinds:
        directory = cache_dirs.version_dir(root, kind, version)
        binary = cache_dirs.repl_binary(directory)
        if cache_dirs.is_complete(directory) and binary.is_file():
            spec = ReplSpec(
                argv=("lake", "env", str(binary)),
                cwd=project or _cache_run_dir(root, version, directory),
                source="cache",
            )
            return _built_repl(spec, "cache", binary)
    return None


def _cache_run_dir(root: Path, version: LeanVersion, repl_dir: Path) -> Path:
    # Without a project the REPL runs in the cached Mathlib project when there is one (so
    # that `import Mathlib` works), else in its own checkout: either pins the right `lean`.
    mathlib = cache_dirs.version_dir(root, Kind.MATHLIB, version)
    return mathlib if cache_dirs.is_complete(mathlib) else repl_dir


def _from_project(project: Path) -> _Found:
    unbuilt: list[Problem] = []
    for checkout in _project_repl_checkouts(project):
        binary = cache_dirs.repl_binary(checkout)
        if binary.is_file():
            spec = ReplSpec(argv=("lake", "env", str(binary)), cwd=project, source="project")
            found = _built_repl(spec, "project", binary)
            return replace(found, problems=(*unbuilt, *found.problems))
        target = "repl" if checkout == project else f"{checkout.name}/repl"
        unbuilt.append(
            Problem(
                f"the REPL in {checkout} is not built",
                fix=in_dir(project, f"lake build {target}"),
            )
        )
    return _Found(problems=tuple(unbuilt))


def _project_repl_checkouts(project: Path) -> list[Path]:
    """REPL sources in a project: a `repl` package, or the project being a REPL checkout."""
    checkouts = []
    packages = project / ".lake" / "packages"
    if packages.is_dir():
        checkouts += sorted(p for p in packages.iterdir() if p.name.lower() == "repl")
    if (project / "REPL" / "Main.lean").is_file() or cache_dirs.repl_binary(project).is_file():
        checkouts.append(project)
    return checkouts


def _nothing_found(
    found: _Found,
    project: Path | None,
    here: Path,
    environ: Mapping[str, str],
    incremental: bool,
    wanted: LeanVersion | None,
    lean: Tool | None,
) -> _Found:
    problems = list(found.problems)
    if wanted is None:
        problems.append(_unknown_toolchain(here, lean))
    root = cache_dirs.cache_root(environ)
    others = sorted(
        {
            version.tag
            for kind in (Kind.REPL, Kind.REPL_FORK)
            for version in cache_dirs.installed_versions(root, kind)
        }
    )
    for_version = f" for Lean {wanted.tag}" if wanted else ""
    cached = f" (the cache has REPLs for {', '.join(others)} only)" if others else ""
    problems.append(
        Problem(
            f"no Lean REPL found{for_version}: none given with --repl or LEANCLI_REPL, "
            f"none in the leancli cache{cached}"
            + ("" if project is None else f", none built in {project}"),
            fix=setup_command(project, fork=incremental),
        )
    )
    return replace(found, problems=tuple(problems))


def _unknown_toolchain(here: Path, lean: Tool | None) -> Problem:
    if lean is None or not lean.found:
        return Problem(
            f"cannot tell the Lean version: no lean-toolchain in {here} or above, "
            "and no `lean` on PATH (install elan, the Lean toolchain manager)",
            fix=ELAN_INSTALL,
        )
    return Problem(
        f"cannot tell the Lean version in {here}: `lean --version` failed",
        fix=in_dir(here, "lean --version"),
    )


def _version_mismatch(
    found: _Found, wanted: LeanVersion | None, project: Path | None
) -> list[Problem]:
    built = found.repl_version
    if found.spec is None or built is None or wanted is None or built == wanted:
        return []
    where = f"the project {project}" if project else "this directory"
    hint = {
        "--repl": " (then drop --repl)",
        "LEANCLI_REPL": " (then unset LEANCLI_REPL)",
    }.get(found.source or "", "")
    return [
        Problem(
            f"the REPL was built for Lean {built.tag} but {where} uses Lean {wanted.tag}: "
            f"its imports would fail; build a matching REPL{hint}",
            fix=setup_command(project),
        )
    ]


def _built_repl(spec: ReplSpec, source: Source, binary: Path) -> _Found:
    """The REPL at `binary`, with what the checkout it was built in says about it."""
    checkout = read_checkout(binary)
    if checkout is None:
        return _Found(spec, source, repl_path=binary)
    return _Found(
        spec,
        source,
        repl_path=binary,
        repl_version=checkout.lean_version,
        supports_incremental=checkout.supports_incremental,
        notes=(f"{checkout.path}: {checkout.note}",) if checkout.note else (),
    )
