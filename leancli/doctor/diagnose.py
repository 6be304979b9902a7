"""`leancli doctor`: can `leancli check` run here, and if not, which command fixes it.

Every fact is gathered once into a section record (doctor_sections.py); the table and
`--json` are two renderings of the same records.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leancli.doctor.sections import (
    TOOLS,
    ProjectSection,
    Row,
    Section,
    ToolchainSection,
    address_space_section,
    features_section,
    kernel_checker_section,
    repl_section,
    sandbox_section,
    tools_section,
)
from leancli.options import MemoryLimits, usable_cores
from leancli.toolchain.discovery import EXPLICIT_SOURCES, Discovery, discover_repl
from leancli.toolchain.lake import project_requires_mathlib
from leancli.toolchain.problem import Problem
from leancli.toolchain.tools import find_tools

if TYPE_CHECKING:
    from rich.console import Console

GIB = 1024**3
# Importing Mathlib maps several GiB per REPL; `check` watches 8 GiB by default.
MATHLIB_REPL_GIB = MemoryLimits().rss_mb / 1024
PLAIN_REPL_GIB = 1.0


@dataclass(frozen=True)
class Report:
    """The sections in table order, the problems they and discovery found, and notes."""

    sections: tuple[Section, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()
    repl_found: bool = False

    @property
    def ok(self) -> bool:
        """Whether `leancli check` can run: a REPL is found and nothing blocks it."""
        return self.repl_found and not any(p.severity == "error" for p in self.problems)

    @property
    def rows(self) -> list[Row]:
        return [row for section in self.sections for row in section.rows()]

    @property
    def data(self) -> dict[str, Any]:
        """The sections' facts as plain values, keyed as in `--json`."""
        merged: dict[str, Any] = {}
        for section in self.sections:
            merged.update(section.to_json())
        return merged

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            **self.data,
            "problems": [
                {"severity": p.severity, "message": p.message, "fix": p.fix} for p in self.problems
            ],
            "notes": list(self.notes),
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
    tools = find_tools(TOOLS, here, environ)
    found = discover_repl(
        repl, project, environ, incremental=incremental, cwd=cwd, lean=tools["lean"]
    )
    tool_facts = tools_section(tools, found, here, environ)
    sections: list[Section] = [
        system_section(_needs_mathlib(found)),
        tool_facts,
        ToolchainSection(found.toolchain, found.toolchain_version, here),
        repl_section(found, tool_facts.lean_version),
        ProjectSection(found.project),
        address_space_section(found.project.path if found.project else _repl_dir(found), environ),
        features_section(found),
        sandbox_section(found.spec),
        repl_start_section(found, environ),
        kernel_checker_section(found, environ),
    ]
    if ray_address is not None:
        sections.append(_ray_nodes(ray_address, found))
    problems = [problem for section in sections for problem in section.problems]
    return Report(
        sections=tuple(sections),
        problems=_distinct([*problems, *found.problems]),
        notes=found.notes,
        repl_found=found.spec is not None,
    )


REPL_START_SECONDS = 60.0


@dataclass(frozen=True)
class ReplStartSection:
    """Whether the REPL command starts and answers an empty command: what `check` asks
    when its first snippet crashed, so that both say the same of one command line."""

    tried: bool
    reason: str | None = None
    problems: tuple[Problem, ...] = ()

    def rows(self) -> list[Row]:
        if not self.tried:
            return []
        detail = self.reason or "starts and answers an empty command"
        return [Row("REPL start", "fail" if self.reason else "ok", detail)]

    def to_json(self) -> dict[str, Any]:
        starts = (self.reason is None) if self.tried else None
        return {"repl_starts": starts, "repl_start_error": self.reason}


def repl_start_section(found: Discovery, environ: Mapping[str, str]) -> ReplStartSection:
    if found.spec is None or found.errors:
        return ReplStartSection(tried=False)
    from leancli.options import WorkerConfig
    from leancli.repl.probe import probe_repl
    from leancli.sandbox.environment import repl_environment

    # The REPL sees what `check` would give it, read from the environment doctor reads.
    seen = tuple(repl_environment(environ).items())
    config = WorkerConfig(repl=found.spec, import_timeout=REPL_START_SECONDS, environment=seen)
    reason = probe_repl(config)
    if reason is None:
        return ReplStartSection(tried=True)
    problem = Problem(f"the REPL cannot start: {reason}", fix="leancli setup")
    return ReplStartSection(tried=True, reason=reason, problems=(problem,))


def _distinct(problems: list[Problem]) -> tuple[Problem, ...]:
    """Drop a problem whose fix an earlier one already gives (one command fixes both)."""
    fixes: set[str] = set()
    kept = []
    for problem in problems:
        if problem.fix and problem.fix in fixes:
            continue
        fixes.add(problem.fix)
        kept.append(problem)
    return tuple(kept)


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


# --- this machine ---------------------------------------------------------------------


def recommended_workers(cores: int, available_bytes: int, per_repl_gib: float) -> int:
    """As many REPLs as there are cores, and as fit in the available memory (at least 1)."""
    return max(1, min(cores, int(available_bytes // (per_repl_gib * GIB))))


@dataclass(frozen=True)
class SystemSection:
    python: str
    leancli: str
    cores: int
    memory_total: int
    memory_available: int
    mathlib: bool
    problems: tuple[Problem, ...] = ()

    @property
    def per_repl_gib(self) -> float:
        return MATHLIB_REPL_GIB if self.mathlib else PLAIN_REPL_GIB

    @property
    def workers(self) -> int:
        return recommended_workers(self.cores, self.memory_available, self.per_repl_gib)

    def rows(self) -> list[Row]:
        what = "importing Mathlib" if self.mathlib else "without Mathlib"
        available, total = self.memory_available / GIB, self.memory_total / GIB
        return [
            Row("Python", "info", self.python),
            Row("leancli", "info", self.leancli),
            Row("CPU cores", "info", f"{self.cores} usable"),
            Row("Memory", "info", f"{available:.1f} GiB available of {total:.1f} GiB"),
            Row(
                "Workers",
                "info",
                f"recommended --workers {self.workers} "
                f"(a REPL {what} needs about {self.per_repl_gib:g} GiB)",
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "python": self.python,
            "leancli": self.leancli,
            "cores": self.cores,
            "memory_total_gib": round(self.memory_total / GIB, 1),
            "memory_available_gib": round(self.memory_available / GIB, 1),
            "memory_per_repl_gib": self.per_repl_gib,
            "recommended_workers": self.workers,
        }


def system_section(mathlib: bool) -> SystemSection:
    import psutil

    from leancli.version import __version__

    memory = psutil.virtual_memory()
    return SystemSection(
        python=platform.python_version(),
        leancli=__version__,
        cores=usable_cores(),
        memory_total=memory.total,
        memory_available=memory.available,
        mathlib=mathlib,
    )


def _repl_dir(found: Discovery) -> Path | None:
    return found.spec.cwd if found.spec else None


def _needs_mathlib(found: Discovery) -> bool:
    if found.project is not None:
        return found.project.requires_mathlib
    where = _repl_dir(found)
    return where is not None and project_requires_mathlib(where)


# --- the Ray cluster's nodes ---------------------------------------------------------------


@dataclass(frozen=True)
class RayNode:
    hostname: str
    address: str
    cpus: float
    memory_mb: int
    ok: bool
    detail: str


@dataclass(frozen=True)
class RaySection:
    """Each live node's trial of the REPL; `nodes` is None when none could be tried."""

    nodes: tuple[RayNode, ...] | None = None
    problems: tuple[Problem, ...] = ()

    def rows(self) -> list[Row]:
        return [
            Row(
                f"ray node {node.hostname} ({node.address})",
                "ok" if node.ok else "fail",
                f"{node.cpus:g} CPUs, {node.memory_mb} MiB: {node.detail}",
            )
            for node in self.nodes or ()
        ]

    def to_json(self) -> dict[str, Any]:
        if self.nodes is None:
            return {}
        return {
            "ray_nodes": [
                {"hostname": n.hostname, "address": n.address, "ok": n.ok, "detail": n.detail}
                for n in self.nodes
            ]
        }


def _ray_nodes(address: str, found: Discovery) -> RaySection:
    """Start the REPL on every live node: `--repl`/`--project` must be valid on each.

    The REPL is the one `--repl` or LEANCLI_REPL names, as discovery read it (as `check`
    does): the cache or the project on this machine say nothing of the nodes."""
    spec = found.spec if found.source in EXPLICIT_SOURCES else None
    if spec is None:
        problem = Problem(
            "--ray-address: say which REPL the nodes run",
            fix=f"leancli doctor --ray-address {address} --repl PATH/TO/repl",
        )
        return RaySection(problems=(problem,))
    try:
        from leancli.doctor.ray import check_nodes
        from leancli.executors import ExecutorUnavailable
    except ImportError:
        return RaySection(
            problems=(Problem("--ray-address needs Ray", fix="pip install 'leancli[ray]'"),)
        )
    try:
        reports = check_nodes(address, spec)
    except ExecutorUnavailable as exc:
        return RaySection(problems=(Problem(f"Ray cluster {address}: {exc}", fix=""),))
    nodes = tuple(
        RayNode(n.hostname, n.address, n.cpus, n.memory_mb, n.ok, n.detail) for n in reports
    )
    fix = (
        "install the same toolchain, REPL and leancli at the same paths "
        "on every node (a shared image or file system)"
    )
    failed = tuple(
        Problem(f"Ray node {node.hostname}: {node.detail}", fix=fix)
        for node in nodes
        if not node.ok
    )
    return RaySection(nodes, failed)
