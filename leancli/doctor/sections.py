"""The sections of `leancli doctor`'s report: each a typed record built once from the facts,
which gives both its rows of the table and its keys of `--json`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from leancli import simulated
from leancli.options import ReplSpec
from leancli.toolchain.discovery import Discovery, Source, setup_command
from leancli.toolchain.lake import LakeProject
from leancli.toolchain.problem import Problem
from leancli.toolchain.tools import ELAN_INSTALL, Tool
from leancli.toolchain.versions import FEATURES, LeanVersion, Toolchain, supports

if TYPE_CHECKING:
    from leancli.sandbox.address_space import AddressSpaceFloor

Status = Literal["ok", "warn", "fail", "info"]
TOOLS = ("elan", "lake", "lean")


@dataclass(frozen=True)
class Row:
    """One line of the report table."""

    name: str
    status: Status
    detail: str


class Section(Protocol):
    """What every section gives the report: table rows, JSON keys, and problems."""

    @property
    def problems(self) -> tuple[Problem, ...]: ...

    def rows(self) -> list[Row]: ...

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ToolsSection:
    """elan, lake and lean with the versions they report."""

    tools: tuple[Tool, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def lean_version(self) -> LeanVersion | None:
        """The version `lean` on PATH reports."""
        return next((tool.lean_version for tool in self.tools if tool.name == "lean"), None)

    def rows(self) -> list[Row]:
        return [
            Row(tool.name, "ok" if tool.ok else "fail", f"{tool.first_line} ({tool.path})")
            if tool.found
            else Row(tool.name, "fail", "not found on PATH")
            for tool in self.tools
        ]

    def to_json(self) -> dict[str, Any]:
        version = self.lean_version
        return {
            "tools": {
                tool.name: (
                    {"path": tool.path, "version": tool.first_line if tool.ok else ""}
                    if tool.found
                    else None
                )
                for tool in self.tools
            },
            "lean_version": str(version) if version else None,
        }


def tools_section(
    tools: Mapping[str, Tool], found: Discovery, here: Path, environ: Mapping[str, str]
) -> ToolsSection:
    failed = [
        _probe_failed(tool, here, found) for tool in tools.values() if tool.found and not tool.ok
    ]
    return ToolsSection(
        tools=tuple(tools.values()),
        problems=(*failed, *_missing_tools(tools, found, environ)),
    )


def _probe_failed(tool: Tool, here: Path, found: Discovery) -> Problem:
    # Under elan this mostly means the toolchain is not installed (and could not be).
    toolchain = found.toolchain
    fix = f"elan toolchain install {toolchain.name}" if toolchain else f"{tool.name} --version"
    return Problem(f"`{tool.name} --version` failed in {here}: {tool.first_line}", fix=fix)


def _missing_tools(
    tools: Mapping[str, Tool], found: Discovery, environ: Mapping[str, str]
) -> list[Problem]:
    missing = [name for name, tool in tools.items() if not tool.found]
    if not missing:
        return []
    uses_lake = found.spec is not None and found.spec.argv[0] == "lake"
    # The REPL asks `lean` for its sysroot unless LEAN_SYSROOT says where it is; the
    # simulated REPL needs no Lean at all.
    simulated_repl = found.spec is not None and found.spec.argv == simulated.argv()
    blocking = not simulated_repl and (
        ("lake" in missing and uses_lake) or ("lean" in missing and not environ.get("LEAN_SYSROOT"))
    )
    return [
        Problem(
            f"{', '.join(missing)} not found on PATH: install elan, the Lean toolchain "
            "manager, which provides lean and lake for each project's toolchain "
            "(then open a new shell)",
            fix=ELAN_INSTALL,
            severity="error" if blocking else "warning",
        )
    ]


@dataclass(frozen=True)
class ToolchainSection:
    toolchain: Toolchain | None
    version: LeanVersion | None
    here: Path
    problems: tuple[Problem, ...] = ()

    def rows(self) -> list[Row]:
        if self.toolchain is None:
            detail = f"no lean-toolchain in {self.here} or above (elan's default toolchain is used)"
            return [Row("Toolchain", "info", detail)]
        return [Row("Toolchain", "ok", f"{self.toolchain.name} ({self.toolchain.path})")]

    def to_json(self) -> dict[str, Any]:
        if self.toolchain is None:
            return {"toolchain": None}
        path = self.toolchain.path
        return {
            "toolchain": {
                "name": self.toolchain.name,
                "file": str(path) if path else None,
                "version": str(self.version) if self.version else None,
            }
        }


@dataclass(frozen=True)
class ReplSection:
    """The REPL found, the Lean it was built for (`built`) and the one wanted here."""

    spec: ReplSpec | None
    source: Source | None = None
    path: Path | None = None
    built: LeanVersion | None = None
    wanted: LeanVersion | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def matches(self) -> bool | None:
        return None if self.built is None or self.wanted is None else self.built == self.wanted

    def rows(self) -> list[Row]:
        if self.spec is None:
            return [Row("REPL", "fail", "none found")]
        found = Row("REPL", "ok", f"{self.spec.describe()} [from {self.source}]")
        if self.built is None:
            return [found, Row("REPL Lean", "warn", "unknown (not built in a REPL checkout)")]
        if self.matches is False:
            toolchain = self.wanted.tag if self.wanted else "?"
            detail = f"{self.built.tag}, but the toolchain is {toolchain}"
            return [found, Row("REPL Lean", "fail", detail)]
        return [found, Row("REPL Lean", "ok", f"{self.built.tag} (matches the toolchain)")]

    def to_json(self) -> dict[str, Any]:
        if self.spec is None:
            return {"repl": None}
        return {
            "repl": {
                "command": list(self.spec.argv),
                "cwd": str(self.spec.cwd) if self.spec.cwd else None,
                "source": self.source,
                "path": str(self.path) if self.path else None,
                "lean_version": str(self.built) if self.built else None,
                "matches_toolchain": self.matches,
            }
        }


def repl_section(found: Discovery, lean: LeanVersion | None) -> ReplSection:
    """`lean`: the version `lean` on PATH reports."""
    if found.spec is None:
        return ReplSection(None)
    built = found.repl_version
    problems: tuple[Problem, ...] = ()
    if (
        lean is not None
        and built is not None
        and lean != built
        and found.toolchain_version == built
    ):
        # The toolchain file agrees but `lean` on PATH is another: no elan to switch it.
        problems = (
            Problem(
                f"`lean` on PATH is {lean.tag} but the REPL was built for {built.tag}; "
                "install elan so that each project's toolchain is used",
                fix=ELAN_INSTALL,
            ),
        )
    return ReplSection(
        spec=found.spec,
        source=found.source,
        path=found.repl_path,
        built=built,
        wanted=found.toolchain_version or lean,
        problems=problems,
    )


@dataclass(frozen=True)
class ProjectSection:
    project: LakeProject | None
    problems: tuple[Problem, ...] = ()

    def rows(self) -> list[Row]:
        project = self.project
        if project is None:
            return []
        manifest = project.manifest_found
        found = "lake-manifest.json found" if manifest else "no lake-manifest.json"
        rows = [Row("Project", "ok" if manifest else "warn", f"{project.path}: {found}")]
        if project.requires_mathlib:
            built = project.mathlib_built
            rows.append(
                Row("Mathlib", "ok" if built else "fail", "built" if built else "not built")
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        project = self.project
        if project is None:
            return {"project": None}
        return {
            "project": {
                "path": str(project.path),
                "manifest": project.manifest_found,
                "requires_mathlib": project.requires_mathlib,
                "mathlib_built": project.mathlib_built,
            }
        }


@dataclass(frozen=True)
class AddressSpaceSection:
    """The least RLIMIT_AS `check` gives each REPL, and why (see address_space.py)."""

    floor: AddressSpaceFloor
    problems: tuple[Problem, ...] = ()

    def rows(self) -> list[Row]:
        least = f"at least {self.floor.mb} MiB per REPL" if self.floor.mb else "no floor"
        return [Row("Hard memory limit", "info", f"{least}: {self.floor.reason()}")]

    def to_json(self) -> dict[str, Any]:
        return {"address_space_floor_mb": self.floor.mb, "olean_mb": self.floor.olean_mb}


def address_space_section(project: Path | None, environ: Mapping[str, str]) -> AddressSpaceSection:
    from leancli.sandbox.address_space import address_space_floor

    lean_path = None if project else environ.get("LEAN_PATH")
    return AddressSpaceSection(address_space_floor(project, lean_path))


@dataclass(frozen=True)
class FeatureFact:
    """Whether the REPL has an optional feature (None: unknown), and what it is."""

    name: str
    has: bool | None
    detail: str


@dataclass(frozen=True)
class FeaturesSection:
    features: tuple[FeatureFact, ...]
    problems: tuple[Problem, ...] = ()

    def rows(self) -> list[Row]:
        answers = {None: "unknown", True: "yes", False: "no"}
        return [
            Row(fact.name, "ok" if fact.has else "info", f"{answers[fact.has]}: {fact.detail}")
            for fact in self.features
        ]

    def to_json(self) -> dict[str, Any]:
        return {"features": {fact.name: fact.has for fact in self.features}}


def features_section(found: Discovery) -> FeaturesSection:
    version = found.lean_version
    facts = [
        FeatureFact(
            feature.name,
            None if version is None else supports(version, feature),
            f"{feature.description}, Lean {feature.since.tag} and later",
        )
        for feature in FEATURES
    ]
    incremental = FeatureFact(
        "incremental",
        found.supports_incremental,
        "reuse elaboration of shared prefixes (--incremental), needs the REPL fork: "
        + setup_command(None, fork=True),
    )
    return FeaturesSection((*facts, incremental))


@dataclass(frozen=True)
class SandboxSection:
    """Whether `--sandbox` can work here, and what it would show the REPL (read-only),
    listed even where bubblewrap does not work; its absence is not a problem for
    `check`. `refused`: why `--sandbox` would refuse this REPL (a bind too wide)."""

    unavailable: str | None
    binds: tuple[str, ...] | None = None
    problems: tuple[Problem, ...] = ()
    refused: str | None = None

    def rows(self) -> list[Row]:
        if self.refused is not None:
            return [Row("sandbox", "warn", self.refused)]
        shows = f"; it shows the REPL only {', '.join(self.binds)}" if self.binds else ""
        if self.unavailable is not None:
            return [Row("sandbox", "info", f"--sandbox unavailable: {self.unavailable}{shows}")]
        return [Row("sandbox", "ok", f"bubblewrap works: --sandbox is available{shows}")]

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"sandbox": self.unavailable is None and self.refused is None}
        if self.binds is not None:
            found["sandbox_binds"] = list(self.binds)
        if self.refused is not None:
            found["sandbox_refused"] = self.refused
        return found


def sandbox_section(spec: ReplSpec | None) -> SandboxSection:
    from leancli.sandbox.bubblewrap import SandboxUnavailable, bubblewrap_problem, sandbox_view

    problem = bubblewrap_problem()
    if spec is None:
        return SandboxSection(problem, None if problem else ())
    try:
        binds = tuple(sandbox_view(spec).binds)
    except SandboxUnavailable as exc:
        return SandboxSection(problem, refused=str(exc))
    return SandboxSection(problem, binds)


@dataclass(frozen=True)
class KernelCheckerSection:
    """The checker `--trust kernel` would use (LEANCLI_CHECKER, the toolchain's
    leanchecker, setup's lean4checker), or the command that gets one: not a problem,
    as `--trust kernel` is optional."""

    argv: tuple[str, ...] | None
    detail: str
    problems: tuple[Problem, ...] = ()
    starts: bool = True  # False: the checker (or the `lean` it needs) cannot start

    def rows(self) -> list[Row]:
        status: Status = "info" if not self.argv else "ok" if self.starts else "fail"
        return [Row("kernel checker", status, self.detail)]

    def to_json(self) -> dict[str, Any]:
        checker = list(self.argv) if self.argv is not None else None
        starts = self.starts if self.argv is not None else None
        return {
            "kernel_checker": checker,
            "kernel_checker_detail": self.detail,
            "kernel_checker_starts": starts,
        }


def kernel_checker_section(found: Discovery, environ: Mapping[str, str]) -> KernelCheckerSection:
    from leancli.toolchain.kernel_checker import cannot_start, find_checker

    choice = find_checker(None, found.spec, found.lean_version, environ)
    if choice.argv is None:
        return KernelCheckerSection(None, f"none for --trust kernel: {choice.fix}")
    detail = f"--trust kernel would run {choice.describe()}"
    cwd = found.spec.cwd if found.spec is not None else None
    lake = found.spec is not None and found.spec.argv[:2] == ("lake", "env")
    problem = cannot_start(choice, cwd, environ, lake=lake)
    if problem is not None:
        return KernelCheckerSection(choice.argv, f"{detail}, but {problem}", starts=False)
    return KernelCheckerSection(choice.argv, detail)
