"""Which REPL `check` runs when none is named, and what it says when there is none."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from leancli.toolchain.cache_dirs import MARKER, Kind, version_dir
from leancli.toolchain.discovery import discover_repl
from leancli.toolchain.tools import ELAN_INSTALL
from leancli.toolchain.versions import LeanVersion
from tests.helpers.toolchain_stubs import (
    FORK_JSON,
    OLD_FORK_MAIN,
    PLAIN_JSON,
    StubToolchain,
    cached_repl,
    checkout,
    make_project,
    make_stub_toolchain,
)

V = LeanVersion.parse


@pytest.fixture
def stubs(tmp_path: Path) -> StubToolchain:
    return make_stub_toolchain(tmp_path / "toolchain")


def test_explicit_repl_wins_over_environment_and_cache(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj")
    environ = {**stubs.environ, "LEANCLI_REPL": "/opt/env-repl"}
    found = discover_repl("/opt/my repl --flag", project, environ)
    assert found.source == "--repl"
    assert found.spec is not None
    assert found.spec.argv == ("lake", "env", "/opt/my", "repl", "--flag")
    assert found.spec.cwd == project


def test_environment_variable_comes_before_the_cache(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    environ = {**stubs.environ, "LEANCLI_REPL": "/opt/env-repl"}
    found = discover_repl(None, None, environ, cwd=tmp_path)
    assert found.source == "LEANCLI_REPL"
    assert found.spec is not None and found.spec.argv == ("/opt/env-repl",)


def test_cache_repl_for_the_project_toolchain(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.18.0")
    binary = cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.19.0")
    found = discover_repl(None, project, stubs.environ)
    assert found.ok, found.problems
    assert found.source == "cache"
    assert found.spec is not None
    assert found.spec.argv == ("lake", "env", str(binary))
    assert found.spec.cwd == project.resolve()
    assert found.lean_version == V("v4.19.0")
    assert found.supports_incremental is False
    assert found.supports_elab_async is True


def test_without_project_the_cache_repl_runs_in_its_checkout(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    # Its lean-toolchain makes elan pick the Lean the REPL was built with.
    binary = cached_repl(stubs, Kind.REPL, "v4.18.0")
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.18.0\n")
    found = discover_repl(None, None, stubs.environ, cwd=tmp_path)
    assert found.spec is not None and found.spec.cwd == binary.parents[3]
    assert found.supports_elab_async is False


def test_without_project_the_cached_mathlib_project_is_used(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    mathlib = version_dir(stubs.cache, Kind.MATHLIB, LeanVersion(4, 19, 0))
    mathlib.mkdir(parents=True)
    (mathlib / MARKER).write_text("{}")
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
    found = discover_repl(None, None, stubs.environ, cwd=tmp_path)
    assert found.spec is not None and found.spec.cwd == mathlib


def test_cache_of_another_version_is_not_used(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.18.0")
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.20.0")
    found = discover_repl(None, project, stubs.environ)
    assert found.spec is None and not found.ok
    [problem] = found.problems
    assert "v4.20.0" in problem.message and "v4.18.0" in problem.message
    assert problem.fix == f"leancli setup --project {project.resolve()}"


def test_stable_channel_is_resolved_with_lean_version(stubs: StubToolchain, tmp_path: Path) -> None:
    binary = cached_repl(stubs, Kind.REPL, "v4.20.0")
    project = make_project(tmp_path / "proj", "leanprover/lean4:stable")
    environ = {**stubs.environ, "STUB_STABLE_LEAN": "4.20.0"}
    found = discover_repl(None, project, environ)
    assert found.toolchain_version == V("4.20.0")
    assert found.spec is not None and found.spec.argv[-1] == str(binary)
    assert any(call.startswith("lean --version") for call in stubs.calls("lean"))


def test_pinned_toolchain_needs_no_lean_call(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    discover_repl(None, make_project(tmp_path / "proj"), stubs.environ)
    assert stubs.calls() == []


def test_incremental_prefers_the_fork(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    fork = cached_repl(stubs, Kind.REPL_FORK, "v4.19.0")
    project = make_project(tmp_path / "proj")
    plain = discover_repl(None, project, stubs.environ)
    assert plain.supports_incremental is False
    found = discover_repl(None, project, stubs.environ, incremental=True)
    assert found.spec is not None and found.spec.argv[-1] == str(fork)
    assert found.supports_incremental is True


def test_repl_package_inside_the_project(stubs: StubToolchain, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    binary = checkout(project / ".lake/packages/REPL", "v4.19.0")
    found = discover_repl(None, project, stubs.environ)
    assert found.source == "project"
    assert found.spec is not None
    assert found.spec.argv == ("lake", "env", str(binary.resolve()))
    assert found.spec.cwd == project.resolve()
    assert found.repl_version == V("v4.19.0")


def test_project_that_is_a_repl_checkout(stubs: StubToolchain, tmp_path: Path) -> None:
    project = tmp_path / "repl"
    binary = checkout(project, "v4.19.0")
    found = discover_repl(None, project, stubs.environ)
    assert found.source == "project"
    assert found.spec is not None and found.spec.argv[-1] == str(binary.resolve())


def test_unbuilt_repl_package_gives_the_build_command(stubs: StubToolchain, tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    (project / ".lake/packages/REPL/REPL").mkdir(parents=True)
    found = discover_repl(None, project, stubs.environ)
    assert found.spec is None
    fixes = [problem.fix for problem in found.problems]
    assert f"cd {project.resolve()} && lake build REPL/repl" in fixes
    assert f"leancli setup --project {project.resolve()}" in fixes


def test_repl_built_for_another_lean_is_flagged(stubs: StubToolchain, tmp_path: Path) -> None:
    binary = checkout(tmp_path / "old-repl", "v4.18.0")
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.19.0")
    found = discover_repl(str(binary), project, stubs.environ)
    assert found.spec is not None and not found.ok
    [problem] = found.problems
    assert "v4.18.0" in problem.message and "v4.19.0" in problem.message
    assert "drop --repl" in problem.message
    assert problem.fix == f"leancli setup --project {project.resolve()}"
    assert found.lean_version == V("v4.18.0")
    assert found.supports_elab_async is False


def test_repl_behind_lake_env_is_recognised(stubs: StubToolchain, tmp_path: Path) -> None:
    binary = checkout(tmp_path / "fork", "v4.19.0", OLD_FORK_MAIN, FORK_JSON)
    found = discover_repl(f"lake env {binary}", None, stubs.environ, cwd=tmp_path)
    assert found.repl_path == binary.resolve()
    assert found.repl_version == V("v4.19.0")
    assert found.supports_incremental is True


def test_a_fork_before_its_incrementality_field_has_no_incremental_mode(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    # The fork's tags before v1.3.3 keep incremental states (Main.lean) but take no
    # `incrementality` field (REPL/JSON.lean): such a REPL ignores --incremental.
    binary = checkout(tmp_path / "fork", "v4.19.0", OLD_FORK_MAIN, PLAIN_JSON)
    found = discover_repl(str(binary), None, stubs.environ, cwd=tmp_path)
    assert found.supports_incremental is False


def test_a_cached_fork_build_is_judged_by_its_sources_not_its_marker(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    fork = cached_repl(stubs, Kind.REPL_FORK, "v4.19.0", json_lean=PLAIN_JSON)
    assert '"fork": true' in (fork.parents[3] / MARKER).read_text()
    found = discover_repl(None, make_project(tmp_path / "proj"), stubs.environ, incremental=True)
    assert found.spec is not None and found.spec.argv[-1] == str(fork)
    assert found.supports_incremental is False


def test_without_the_sources_incremental_support_is_unknown(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    binary = checkout(tmp_path / "repl", "v4.19.0", OLD_FORK_MAIN, json_lean=None)
    found = discover_repl(str(binary), None, stubs.environ, cwd=tmp_path)
    assert found.supports_incremental is None


def test_nothing_found_without_lean_says_to_install_elan(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    stubs.remove("lean")
    found = discover_repl(None, None, stubs.environ, cwd=tmp_path)
    assert found.spec is None
    fixes = [problem.fix for problem in found.problems]
    assert fixes == [ELAN_INSTALL, "leancli setup"]


def test_unbuilt_mathlib_in_the_project_is_an_error(stubs: StubToolchain, tmp_path: Path) -> None:
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj", mathlib=True, built=False)
    found = discover_repl(None, project, stubs.environ)
    assert found.spec is not None and not found.ok
    [problem] = found.errors
    assert "Mathlib" in problem.message
    assert problem.fix == f"cd {project.resolve()} && lake exe cache get"


def test_a_discovery_is_frozen(stubs: StubToolchain, tmp_path: Path) -> None:
    found = discover_repl(None, make_project(tmp_path / "proj"), stubs.environ)
    assert isinstance(found.problems, tuple) and isinstance(found.notes, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.spec = None  # type: ignore[misc]
