"""`leancli doctor`: each diagnosis with the command that fixes it, and `--json`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import orjson
import pytest

from leancli.doctor.diagnose import GIB, Report, diagnose, recommended_workers
from leancli.toolchain.cache_dirs import Kind
from leancli.toolchain.tools import ELAN_INSTALL
from tests.helpers.common import run_leancli
from tests.helpers.toolchain_stubs import (
    StubToolchain,
    cached_repl,
    checkout,
    make_project,
    make_stub_toolchain,
)


@pytest.fixture
def stubs(tmp_path: Path) -> StubToolchain:
    return make_stub_toolchain(tmp_path / "toolchain")


def fixes(report: Report) -> list[str]:
    return [problem.fix for problem in report.problems if problem.severity == "error"]


def row(report: Report, name: str) -> str:
    [found] = [r for r in report.rows if r.name == name]
    return f"{found.status}: {found.detail}"


def test_healthy_setup_is_ok(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", mathlib=True)
    report = diagnose(None, project, stubs.environ)
    assert report.ok, report.problems
    assert report.problems == ()
    assert row(report, "lean").startswith("ok: Lean (version 4.19.0")
    assert row(report, "elan").startswith("ok: elan 4.1.2")
    assert row(report, "Elab.async").startswith("ok: yes")
    assert row(report, "incremental").startswith("info: no")
    assert row(report, "Mathlib") == "ok: built"
    assert "[from cache]" in row(report, "REPL")
    # A REPL importing Mathlib needs several GiB: the advice accounts for it.
    assert report.data["memory_per_repl_gib"] == 8


def test_no_elan_is_diagnosed_with_the_install_command(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    for tool in ("elan", "lean", "lake"):
        stubs.remove(tool)
    report = diagnose(None, make_project(tmp_path / "proj"), stubs.environ)
    assert not report.ok
    assert fixes(report) == [ELAN_INSTALL, f"leancli setup --project {tmp_path / 'proj'}"]
    assert row(report, "lean") == "fail: not found on PATH"


def test_version_mismatch_names_both_versions_and_the_fix(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    repl = checkout(tmp_path / "repl", "v4.18.0")
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.19.0")
    report = diagnose(str(repl), project, stubs.environ)
    assert not report.ok
    [problem] = report.problems
    assert "v4.18.0" in problem.message and "v4.19.0" in problem.message
    assert problem.fix == f"leancli setup --project {project}"
    assert report.data["repl"]["matches_toolchain"] is False
    assert row(report, "Elab.async").startswith("info: no")


def test_unbuilt_repl_in_the_project(stubs: StubToolchain, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    (project / ".lake/packages/REPL/REPL").mkdir(parents=True)
    report = diagnose(None, project, stubs.environ)
    assert not report.ok
    assert f"cd {project} && lake build REPL/repl" in fixes(report)


def test_unbuilt_mathlib_in_the_project(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", mathlib=True, built=False)
    report = diagnose(None, project, stubs.environ)
    assert fixes(report) == [f"cd {project} && lake exe cache get"]
    assert row(report, "Mathlib") == "fail: not built"


def test_unfetched_project_packages(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", mathlib=True, fetched=False)
    report = diagnose(None, project, stubs.environ)
    [problem] = report.problems
    assert "lake-manifest.json" in problem.message
    assert problem.fix == f"cd {project} && lake exe cache get"


def test_toolchain_lean_cannot_run(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj")
    report = diagnose(None, project, {**stubs.environ, "STUB_LEAN_FAIL": "1"})
    assert "elan toolchain install leanprover/lean4:v4.19.0" in fixes(report)


def test_recommended_workers_follow_memory_and_cores() -> None:
    assert recommended_workers(cores=8, available_bytes=20 * GIB, per_repl_gib=8) == 2
    assert recommended_workers(cores=2, available_bytes=64 * GIB, per_repl_gib=1) == 2
    assert recommended_workers(cores=4, available_bytes=2 * GIB, per_repl_gib=8) == 1


def test_cli_json_and_exit_codes(stubs: StubToolchain, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    env = {**os.environ, **stubs.environ}
    env.pop("LEANCLI_REPL", None)
    missing = run_leancli("doctor", "--project", str(project), "--json", env=env)
    assert missing.returncode == 1
    data = orjson.loads(missing.stdout)
    assert data["ok"] is False and data["repl"] is None
    assert data["toolchain"]["version"] == "4.19.0"
    assert data["tools"]["lake"]["version"].startswith("Lake version")
    assert [p["fix"] for p in data["problems"]] == [f"leancli setup --project {project}"]

    cached_repl(stubs, Kind.REPL, "v4.19.0")
    fine = run_leancli("doctor", "--project", str(project), "--json", env=env)
    assert fine.returncode == 0
    data = orjson.loads(fine.stdout)
    assert data["ok"] is True and data["repl"]["source"] == "cache"
    assert data["features"] == {"Elab.async": True, "incremental": False}

    # The report is the command's output: on stdout, for `| less` and `| grep`.
    table = run_leancli("doctor", "--project", str(project), env=env)
    assert table.returncode == 0 and table.stderr == b""
    assert b"leancli check can run" in table.stdout


def test_cli_prints_each_fix_on_one_line(stubs: StubToolchain, tmp_path: Path) -> None:
    stubs.remove("lean")
    env = {**os.environ, **stubs.environ, "COLUMNS": "60"}
    done = run_leancli("doctor", "--project", str(make_project(tmp_path / "proj")), env=env)
    assert done.returncode == 1
    assert f"fix: {ELAN_INSTALL}" in done.stdout.decode()


def test_cli_rejects_a_missing_project(tmp_path: Path) -> None:
    done = run_leancli("doctor", "--project", str(tmp_path / "nope"))
    assert done.returncode == 2 and b"no such directory" in done.stderr


# --- the hard memory limit's floor: .olean files are mapped into the address space -----


def _olean(path: Path, mib: int) -> None:
    """A sparse file of `mib` MiB: its size counts, it takes no disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(mib * 2**20)


def test_the_floor_is_the_search_paths_oleans_plus_a_margin(tmp_path: Path) -> None:
    from leancli.sandbox.address_space import MARGIN_MB, address_space_floor

    project = make_project(tmp_path / "proj")
    _olean(project / ".lake/build/lib/Demo.olean", 300)
    _olean(project / ".lake/packages/aesop/.lake/build/lib/Aesop/Deep/Rule.olean", 700)
    _olean(project / ".lake/packages/aesop/.lake/build/lib/Aesop.ilean", 5000)  # not mapped
    _olean(project / ".lake/packages/aesop/src/Stray.olean", 5000)  # not on the search path
    floor = address_space_floor(project)
    assert (floor.olean_mb, floor.mb, floor.mathlib) == (1000, 1000 + MARGIN_MB, False)
    assert "1000 MiB" in floor.reason()


def test_the_floor_is_at_least_twelve_gib_with_mathlib(tmp_path: Path) -> None:
    from leancli.sandbox.address_space import MARGIN_MB, address_space_floor

    project = make_project(tmp_path / "proj", mathlib=True)
    mathlib_lib = project / ".lake/packages/mathlib/.lake/build/lib/lean"
    _olean(mathlib_lib / "Mathlib.olean", 5 * 1024)
    assert address_space_floor(project).mb == 12 * 1024
    _olean(mathlib_lib / "Mathlib/Huge.olean", 9 * 1024)  # a future Mathlib
    assert address_space_floor(project).mb == 14 * 1024 + MARGIN_MB
    assert address_space_floor(None).mb == 0  # nothing to measure: no floor


def test_doctor_prints_the_floor_and_why(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", mathlib=True)
    _olean(project / ".lake/packages/mathlib/.lake/build/lib/lean/Mathlib.olean", 5 * 1024)
    report = diagnose(None, project, stubs.environ)
    assert report.data["address_space_floor_mb"] == 12 * 1024
    assert report.data["olean_mb"] == 5 * 1024
    detail = row(report, "Hard memory limit")
    assert detail.startswith("info: at least 12288 MiB per REPL")
    assert "5120 MiB" in detail and "Mathlib" in detail


def test_check_raises_a_hard_limit_below_the_floor(tmp_path: Path) -> None:
    from leancli.config import memory_limits
    from leancli.options import ReplSpec
    from leancli.toolchain.discovery import Discovery

    project = make_project(tmp_path / "proj", mathlib=True)
    found = Discovery(spec=ReplSpec(("lake", "env", "repl"), cwd=project))
    limits = memory_limits(1024, None, found)  # 2 GiB would never fit `import Mathlib`
    assert limits.hard_limit_bytes() == 12 * GIB
    # What `check` says on stderr when it raises the limit ("raised from 2048 to 12288 MiB").
    assert (limits.address_space_mb, limits.address_space_floor_mb) == (2048, 12288)
    assert memory_limits(8192, 20_000, found).hard_limit_bytes() == 20_000 * 2**20
    assert memory_limits(1024, 0, found).hard_limit_bytes() is None  # none asked: none


# --- each fact gathered once, for both the table and --json ------------------------------


def test_lean_is_asked_its_version_once(stubs: StubToolchain, tmp_path: Path) -> None:
    # A `stable` channel: discovery needs `lean --version`, and doctor shows it too.
    cached_repl(stubs, Kind.REPL, "v4.20.0")
    project = make_project(tmp_path / "proj", "leanprover/lean4:stable")
    report = diagnose(None, project, {**stubs.environ, "STUB_STABLE_LEAN": "4.20.0"})
    assert report.ok, report.problems
    assert len(stubs.calls("lean")) == 1
    assert report.data["toolchain"]["version"] == "4.20.0"


def test_mathlib_in_a_custom_packages_dir_is_seen_as_built(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    # The row, the JSON and the problems all read the manifest's packagesDir.
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", mathlib=True)
    (project / ".lake/packages").rename(project / "deps")
    manifest = project / "lake-manifest.json"
    manifest.write_text(manifest.read_text().replace(".lake/packages", "deps"))
    report = diagnose(None, project, stubs.environ)
    assert report.ok and not report.problems
    assert row(report, "Mathlib") == "ok: built"
    assert report.data["project"]["mathlib_built"] is True


def test_ray_nodes_run_the_repl_discovery_read(stubs: StubToolchain, tmp_path: Path) -> None:
    # `--repl` is read once, by discovery: a command it cannot split is a problem, not a
    # traceback, and no node is asked to run it (so no cluster is joined).
    project = make_project(tmp_path / "proj")
    report = diagnose('repl "unclosed', project, stubs.environ, ray_address="127.0.0.1:1")
    messages = [problem.message for problem in report.problems]
    assert any(m.startswith("--repl: No closing quotation") for m in messages), messages
    assert "--ray-address: say which REPL the nodes run" in messages
    assert "ray_nodes" not in report.to_json()


def test_doctor_and_check_agree_on_a_repl_that_cannot_start(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"code": "def f := 37"}\n')
    missing = f"{sys.executable} {tmp_path / 'no-such-script.py'}"
    check = run_leancli("check", str(source), "--repl", missing)
    doctor = run_leancli("doctor", "--repl", missing, "--json")
    assert check.returncode == 2 and b"cannot start" in check.stderr
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 1 and report["repl_starts"] is False
    assert "no-such-script.py" in report["repl_start_error"]
    working = json.loads(run_leancli("doctor", "--repl", "simulated", "--json").stdout)
    assert working["repl_starts"] is True
