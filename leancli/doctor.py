"""`leancli doctor`: can `leancli check` run here, and if not, which command fixes it."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from leancli import simulated
from leancli.discovery import Discovery, discover_repl, setup_command
from leancli.env.lake import mathlib_built, project_requires_mathlib
from leancli.env.problem import Problem
from leancli.env.tools import ELAN_INSTALL, probe, which
from leancli.options import MemoryLimits, ReplSpec, usable_cores
from leancli.toolchain import FEATURES, LeanVersion, parse_lean_version_output, supports

if TYPE_CHECKING:
    from rich.console import Console

Status = Literal["ok", "warn", "fail", "info"]
GIB = 1024**3
# Importing Mathlib maps several GiB per REPL; `check` watches 8 GiB by default.
MATHLIB_REPL_GIB = MemoryLimits().rss_mb / 1024
PLAIN_REPL_GIB = 1.0
TOOLS = ("elan", "lake", "lean")


@dataclass(frozen=True)
class Row:
    """One line of the report table."""

    name: str
    status: Status
    detail: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether `leancli check` can run: a REPL is found and nothing blocks it."""
        return bool(self.data.get("repl")) and not any(
            problem.severity == "error" for problem in self.problems
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            **self.data,
            "problems": [
                {"severity": p.severity, "message": p.message, "fix": p.fix} for p in self.problems
            ],
            "notes": self.notes,
        }


def diagnose(
    repl: str | None,
    project: Path | None,
    environ: Mapping[str, str] = os.environ,
    *,
    incremental: bool = False,
    cwd: Path | None = None,
    ray_address: str | None = None,
) -> Report:
    """Gather everything `leancli check` depends on; runs only short `--version` probes
    (and, with `ray_address`, a trial REPL on every node of that Ray cluster)."""
    here = (project or cwd or Path.cwd()).resolve()
    report = Report()
    found = discover_repl(repl, project, environ, incremental=incremental, cwd=cwd)
    _system(report, _needs_mathlib(found, project))
    lean = _tools(report, found, here, environ)
    _toolchain(report, found, here)
    _repl(report, found, lean, project)
    _project(report, project)
    _address_space(report, project or (found.spec.cwd if found.spec else None), environ)
    _features(report, found)
    _sandbox(report)
    if ray_address is not None:
        _ray_nodes(report, ray_address, repl, project, environ)
    report.problems = _distinct([*report.problems, *found.problems])
    report.notes.extend(found.notes)
    return report


def _distinct(problems: list[Problem]) -> list[Problem]:
    """Drop a problem whose fix an earlier one already gives (one command fixes both)."""
    fixes: set[str] = set()
    kept = []
    for problem in problems:
        if problem.fix and problem.fix in fixes:
            continue
        fixes.add(problem.fix)
        kept.append(problem)
    return kept


def render(report: Report, console: Console) -> None:
    """The report as a table, then each problem with its fix."""
    from rich.markup import escape
    from rich.table import Table

    marks = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]", "info": ""}
    table = Table(title="leancli doctor", title_justify="left", show_header=False)
    table.add_column("check", style="bold")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    for row in report.rows:
        table.add_row(row.name, marks[row.status], escape(row.detail))
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    for problem in report.problems:
        color = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{color}]{problem.severity}:[/] {escape(problem.message)}")
        if problem.fix:
            # Never wrapped, so that it can be copied as one command.
            console.print(f"  fix: [bold]{escape(problem.fix)}[/]", soft_wrap=True)
    if report.ok:
        console.print("[green]leancli check can run.[/]")
    else:
        console.print("[red]leancli check cannot run until the errors above are fixed.[/]")


# --- sections ----------------------------------------------------------------------------


def _system(report: Report, mathlib: bool) -> None:
    import psutil

    from leancli import __version__

    cores = usable_cores()
    memory = psutil.virtual_memory()
    per_repl = MATHLIB_REPL_GIB if mathlib else PLAIN_REPL_GIB
    workers = recommended_workers(cores, memory.available, per_repl)
    report.data.update(
        python=platform.python_version(),
        leancli=__version__,
        cores=cores,
        memory_total_gib=round(memory.total / GIB, 1),
        memory_available_gib=round(memory.available / GIB, 1),
        memory_per_repl_gib=per_repl,
        recommended_workers=workers,
    )
    what = "importing Mathlib" if mathlib else "without Mathlib"
    report.rows += [
        Row("Python", "info", platform.python_version()),
        Row("leancli", "info", __version__),
        Row("CPU cores", "info", f"{cores} usable"),
        Row(
            "Memory",
            "info",
            f"{memory.available / GIB:.1f} GiB available of {memory.total / GIB:.1f} GiB",
        ),
        Row(
            "Workers",
            "info",
            f"recommended --workers {workers} (a REPL {what} needs about {per_repl:g} GiB)",
        ),
    ]


def recommended_workers(cores: int, available_bytes: int, per_repl_gib: float) -> int:
    """As many REPLs as there are cores, and as fit in the available memory (at least 1)."""
    return max(1, min(cores, int(available_bytes // (per_repl_gib * GIB))))


def _tools(
    report: Report, found: Discovery, here: Path, environ: Mapping[str, str]
) -> LeanVersion | None:
    """elan, lake and lean with their versions; returns the version `lean` reports."""
    tools: dict[str, dict[str, str] | None] = {}
    lean_version = None
    for name in TOOLS:
        path = which(name, environ)
        if path is None:
            tools[name] = None
            report.rows.append(Row(name, "fail", "not found on PATH"))
            continue
        ok, output = probe([path, "--version"], here, environ)
        first = output.splitlines()[0] if output else ""
        tools[name] = {"path": path, "version": first if ok else ""}
        report.rows.append(Row(name, "ok" if ok else "fail", f"{first} ({path})"))
        if name == "lean" and ok:
            lean_version = parse_lean_version_output(output)
        if not ok:
            report.problems.append(_probe_failed(name, first, here, found))
    report.data["tools"] = tools
    report.data["lean_version"] = str(lean_version) if lean_version else None
    report.problems += _missing_tools(tools, found, environ)
    return lean_version


def _probe_failed(name: str, output: str, here: Path, found: Discovery) -> Problem:
    # Under elan this mostly means the toolchain is not installed (and could not be).
    toolchain = found.toolchain
    fix = f"elan toolchain install {toolchain.name}" if toolchain else f"{name} --version"
    return Problem(f"`{name} --version` failed in {here}: {output}", fix=fix)


def _missing_tools(
    tools: Mapping[str, object], found: Discovery, environ: Mapping[str, str]
) -> list[Problem]:
    missing = [name for name in TOOLS if tools[name] is None]
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


def _toolchain(report: Report, found: Discovery, here: Path) -> None:
    toolchain = found.toolchain
    if toolchain is None:
        detail = f"no lean-toolchain in {here} or above (elan's default toolchain is used)"
        report.rows.append(Row("Toolchain", "info", detail))
        report.data["toolchain"] = None
        return
    report.data["toolchain"] = {
        "name": toolchain.name,
        "file": str(toolchain.path) if toolchain.path else None,
        "version": str(found.toolchain_version) if found.toolchain_version else None,
    }
    report.rows.append(Row("Toolchain", "ok", f"{toolchain.name} ({toolchain.path})"))


def _repl(report: Report, found: Discovery, lean: LeanVersion | None, project: Path | None) -> None:
    if found.spec is None:
        report.data["repl"] = None
        report.rows.append(Row("REPL", "fail", "none found"))
        return
    built = found.repl_version
    wanted = found.toolchain_version or lean
    matches = None if built is None or wanted is None else built == wanted
    report.data["repl"] = {
        "command": list(found.spec.argv),
        "cwd": str(found.spec.cwd) if found.spec.cwd else None,
        "source": found.source,
        "path": str(found.repl_path) if found.repl_path else None,
        "lean_version": str(built) if built else None,
        "matches_toolchain": matches,
    }
    report.rows.append(Row("REPL", "ok", f"{found.spec.describe()} [from {found.source}]"))
    if built is None:
        report.rows.append(Row("REPL Lean", "warn", "unknown (not built in a REPL checkout)"))
    elif matches is False:
        detail = f"{built.tag}, but the toolchain is {wanted.tag if wanted else '?'}"
        report.rows.append(Row("REPL Lean", "fail", detail))
    else:
        report.rows.append(Row("REPL Lean", "ok", f"{built.tag} (matches the toolchain)"))
    if (
        lean is not None
        and built is not None
        and lean != built
        and found.toolchain_version == built
    ):
        # The toolchain file agrees but `lean` on PATH is another: no elan to switch it.
        report.problems.append(
            Problem(
                f"`lean` on PATH is {lean.tag} but the REPL was built for {built.tag}; "
                "install elan so that each project's toolchain is used",
                fix=ELAN_INSTALL,
            )
        )


def _project(report: Report, project: Path | None) -> None:
    if project is None:
        report.data["project"] = None
        return
    project = project.resolve()
    manifest = (project / "lake-manifest.json").is_file()
    mathlib = project_requires_mathlib(project)
    built = mathlib_built(project / ".lake" / "packages" / "mathlib") if mathlib else None
    report.data["project"] = {
        "path": str(project),
        "manifest": manifest,
        "requires_mathlib": mathlib,
        "mathlib_built": built,
    }
    report.rows.append(
        Row(
            "Project",
            "ok" if manifest else "warn",
            f"{project}: " + ("lake-manifest.json found" if manifest else "no lake-manifest.json"),
        )
    )
    if mathlib:
        status: Status = "ok" if built else "fail"
        report.rows.append(Row("Mathlib", status, "built" if built else "not built"))


def _address_space(report: Report, project: Path | None, environ: Mapping[str, str]) -> None:
    """The least RLIMIT_AS `check` gives each REPL, and why (see address_space.py)."""
    from leancli.address_space import address_space_floor

    floor = address_space_floor(project, None if project else environ.get("LEAN_PATH"))
    report.data["address_space_floor_mb"] = floor.mb
    report.data["olean_mb"] = floor.olean_mb
    least = f"at least {floor.mb} MiB per REPL" if floor.mb else "no floor"
    report.rows.append(Row("Hard memory limit", "info", f"{least}: {floor.reason()}"))


def _features(report: Report, found: Discovery) -> None:
    version = found.lean_version
    features: dict[str, bool | None] = {}
    for feature in FEATURES:
        has = None if version is None else supports(version, feature)
        features[feature.name] = has
        detail = f"{feature.description}, Lean {feature.since.tag} and later"
        report.rows.append(_feature_row(feature.name, has, detail))
    features["incremental"] = found.supports_incremental
    detail = (
        "reuse elaboration of shared prefixes (--incremental), needs the REPL fork: "
        + setup_command(None, fork=True)
    )
    report.rows.append(_feature_row("incremental", found.supports_incremental, detail))
    report.data["features"] = features


def _sandbox(report: Report) -> None:
    """Whether `--sandbox` can work here; its absence is not a problem for `check`."""
    from leancli.sandbox import bubblewrap_problem

    problem = bubblewrap_problem()
    report.data["sandbox"] = problem is None
    if problem is None:
        report.rows.append(Row("sandbox", "ok", "bubblewrap works: --sandbox is available"))
    else:
        report.rows.append(Row("sandbox", "info", f"--sandbox unavailable: {problem}"))


def _ray_nodes(
    report: Report,
    address: str,
    repl: str | None,
    project: Path | None,
    environ: Mapping[str, str],
) -> None:
    """Start the REPL on every live node: `--repl`/`--project` must be valid on each."""
    command = repl or environ.get("LEANCLI_REPL")
    if not command:
        report.problems.append(
            Problem(
                "--ray-address: say which REPL the nodes run",
                fix=f"leancli doctor --ray-address {address} --repl PATH/TO/repl",
            )
        )
        return
    try:
        from leancli.executors import ExecutorUnavailable
        from leancli.executors.ray import check_nodes
    except ImportError:
        report.problems.append(Problem("--ray-address needs Ray", fix="pip install 'leancli[ray]'"))
        return
    spec = ReplSpec.from_command(command, project)
    try:
        nodes = check_nodes(address, spec)
    except ExecutorUnavailable as exc:
        report.problems.append(Problem(f"Ray cluster {address}: {exc}", fix=""))
        return
    report.data["ray_nodes"] = [
        {"hostname": n.hostname, "address": n.address, "ok": n.ok, "detail": n.detail}
        for n in nodes
    ]
    for node in nodes:
        report.rows.append(
            Row(
                f"ray node {node.hostname} ({node.address})",
                "ok" if node.ok else "fail",
                f"{node.cpus:g} CPUs, {node.memory_mb} MiB: {node.detail}",
            )
        )
        if not node.ok:
            report.problems.append(
                Problem(
                    f"Ray node {node.hostname}: {node.detail}",
                    fix="install the same toolchain, REPL and leancli at the same paths "
                    "on every node (a shared image or file system)",
                )
            )


def _feature_row(name: str, has: bool | None, detail: str) -> Row:
    answer = {None: "unknown", True: "yes", False: "no"}[has]
    return Row(name, "ok" if has else "info", f"{answer}: {detail}")


def _needs_mathlib(found: Discovery, project: Path | None) -> bool:
    if project is not None:
        return project_requires_mathlib(project)
    cwd = found.spec.cwd if found.spec else None
    return cwd is not None and project_requires_mathlib(cwd)
