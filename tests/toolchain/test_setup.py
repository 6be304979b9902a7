"""`leancli setup` against stand-in tools and local bare repositories (no network)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from leancli.toolchain.cache_dirs import MARKER, Kind, version_dir
from leancli.toolchain.discovery import discover_repl
from leancli.toolchain.setup import QuietProgress, SetupError, setup
from leancli.toolchain.tools import ELAN_INSTALL
from leancli.toolchain.versions import LeanVersion
from tests.helpers.common import run_leancli
from tests.helpers.toolchain_stubs import (
    REPL_TAGS,
    StubToolchain,
    fork_history,
    make_project,
    make_remote,
    make_stub_toolchain,
)

V419 = LeanVersion(4, 19, 0)


@pytest.fixture
def stubs(tmp_path: Path) -> StubToolchain:
    return make_stub_toolchain(tmp_path / "toolchain")


@pytest.fixture
def repl_remote(tmp_path: Path) -> Path:
    return make_remote(tmp_path / "remotes", "repl", REPL_TAGS)


@pytest.fixture
def fork_remote(tmp_path: Path) -> Path:
    return make_remote(tmp_path / "remotes", "fork", history=fork_history())


@pytest.fixture
def mathlib_remote(tmp_path: Path) -> Path:
    return make_remote(tmp_path / "remotes", "mathlib4", ("v4.19.0", "v4.20.0"))


@pytest.fixture
def environ(stubs: StubToolchain, repl_remote: Path) -> dict[str, str]:
    return {**stubs.environ, "LEANCLI_REPL_GIT_URL": str(repl_remote)}


def cache_contents(stubs: StubToolchain) -> list[str]:
    """Every path in the cache, relative, except the (empty) staging folder itself."""
    if not stubs.cache.exists():
        return []
    paths = (str(p.relative_to(stubs.cache)) for p in stubs.cache.rglob("*"))
    return sorted(p for p in paths if p != "tmp")


def test_builds_the_repl_at_the_matching_tag(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.19.0")
    result = setup(project, environ=environ)
    repl_dir = version_dir(stubs.cache, Kind.REPL, V419)
    assert result.repl_dir == repl_dir and result.built == [repl_dir]
    assert (repl_dir / ".lake/build/bin/repl").is_file()
    assert (repl_dir / "TAG").read_text() == "v4.19.0\n"
    marker = orjson.loads((repl_dir / MARKER).read_bytes())
    assert marker["tag"] == "v4.19.0" and marker["note"] == ""
    assert marker["source"] == "tag" and len(marker["commit"]) == 40 and marker["patches"] == []
    assert [c.split(" @ ")[0] for c in stubs.calls("lake")] == ["lake build"]
    assert list((stubs.cache / "tmp").iterdir()) == []
    found = discover_repl(None, project, environ)
    assert found.ok and found.source == "cache"


def test_falls_back_to_the_newest_older_tag_and_says_so(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.19.2")
    progress = QuietProgress()
    result = setup(project, environ=environ, progress=progress)
    repl_dir = version_dir(stubs.cache, Kind.REPL, LeanVersion(4, 19, 2))
    assert (repl_dir / "TAG").read_text() == "v4.19.0\n"
    # Built by the project's Lean, so that the REPL reads the project's .olean files.
    assert (repl_dir / "lean-toolchain").read_text() == "leanprover/lean4:v4.19.2\n"
    [note] = result.notes
    assert "no REPL tag for Lean v4.19.2" in note and "v4.19.0" in note
    assert f"note: {note}" in progress.events
    assert discover_repl(None, project, environ).ok


def test_second_run_does_nothing(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj")
    setup(project, environ=environ)
    before = {p: p.stat().st_mtime_ns for p in stubs.cache.rglob("*")}
    calls = len(stubs.calls())
    result = setup(project, environ=environ)
    assert result.built == []
    new_calls = stubs.calls()[calls:]
    assert not [c for c in new_calls if c.startswith(("git", "lake"))], new_calls
    assert {p: p.stat().st_mtime_ns for p in stubs.cache.rglob("*")} == before


def test_failed_build_leaves_nothing_in_the_cache(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj")
    with pytest.raises(SetupError) as failure:
        setup(project, environ={**environ, "STUB_LAKE_BUILD_FAIL": "1"})
    message = str(failure.value)
    assert "`lake build`" in message and "unknown package 'Lean'" in message
    assert cache_contents(stubs) == []
    assert not discover_repl(None, project, environ).ok
    # Once the cause is gone, the same command succeeds.
    setup(project, environ=environ)
    assert discover_repl(None, project, environ).ok


def test_unreachable_remote_says_it_needs_the_network(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj")
    offline = {**environ, "LEANCLI_REPL_GIT_URL": str(tmp_path / "no-such-remote.git")}
    with pytest.raises(SetupError) as failure:
        setup(project, environ=offline)
    assert "network" in str(failure.value)
    assert "no-such-remote.git" in str(failure.value)
    assert cache_contents(stubs) == []
    assert stubs.calls("lake") == []


def test_without_elan_it_says_how_to_install_it(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    stubs.remove("elan")
    with pytest.raises(SetupError) as failure:
        setup(make_project(tmp_path / "proj"), environ=environ)
    assert ELAN_INSTALL in str(failure.value)
    assert stubs.calls("git") == [] and cache_contents(stubs) == []


def test_stale_staging_of_a_killed_setup_is_removed(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    dead = stubs.cache / "tmp" / "999999999-repl-v4.19.0-abc"
    (dead / ".lake").mkdir(parents=True)
    setup(make_project(tmp_path / "proj"), environ=environ)
    assert not dead.exists()


def test_fork_builds_the_newest_fork_tag(
    stubs: StubToolchain, environ: dict[str, str], fork_remote: Path, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "proj")
    environ = {**environ, "LEANCLI_REPL_FORK_GIT_URL": str(fork_remote)}
    result = setup(project, fork=True, environ=environ)
    assert result.repl_dir == version_dir(stubs.cache, Kind.REPL_FORK, V419)
    assert (result.repl_dir / "TAG").read_text() == "v1.3.3-dev_lean-toolchain-v4.19.0\n"
    found = discover_repl(None, project, environ, incremental=True)
    assert found.spec is not None and found.supports_incremental is True
    assert found.spec.argv[-1] == str(result.repl_dir / ".lake/build/bin/repl")


def test_a_fork_tag_before_v1_3_3_is_built_but_has_no_incremental_mode(
    stubs: StubToolchain, environ: dict[str, str], fork_remote: Path, tmp_path: Path
) -> None:
    # For Lean v4.20.0 the stand-in fork has only v1.3.2, which lacks `incrementality`.
    project = make_project(tmp_path / "proj", "leanprover/lean4:v4.20.0")
    environ = {**environ, "LEANCLI_REPL_FORK_GIT_URL": str(fork_remote)}
    result = setup(project, fork=True, environ=environ)
    assert (result.repl_dir / "TAG").read_text() == "v1.3.2-dev_lean-toolchain-v4.20.0\n"
    found = discover_repl(None, project, environ, incremental=True)
    assert found.spec is not None and found.spec.argv[-1].startswith(str(result.repl_dir))
    assert found.supports_incremental is False


def test_mathlib_project_with_its_build_cache(
    stubs: StubToolchain, environ: dict[str, str], mathlib_remote: Path, tmp_path: Path
) -> None:
    environ = {**environ, "LEANCLI_MATHLIB_GIT_URL": str(mathlib_remote)}
    here = tmp_path / "work"
    here.mkdir()
    (here / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
    result = setup(here, mathlib=True, environ=environ)
    mathlib = version_dir(stubs.cache, Kind.MATHLIB, V419)
    assert result.mathlib_dir == mathlib
    assert (mathlib / ".lake/packages/mathlib/.lake/build/lib/lean/Mathlib.olean").is_file()
    # The stand-in `lake update` cloned the remote at the tag the lakefile asks for.
    assert (mathlib / ".lake/packages/mathlib/TAG").read_text() == "v4.19.0\n"
    found = discover_repl(None, None, environ, cwd=here)
    assert found.ok and found.spec is not None and found.spec.cwd == mathlib
    calls = len(stubs.calls())
    assert setup(here, mathlib=True, environ=environ).built == []
    assert stubs.calls()[calls:] == []


def test_mathlib_needs_its_exact_tag(
    stubs: StubToolchain, environ: dict[str, str], mathlib_remote: Path
) -> None:
    environ = {**environ, "LEANCLI_MATHLIB_GIT_URL": str(mathlib_remote)}
    with pytest.raises(SetupError, match=r"has no tag v4\.19\.1"):
        setup(None, lean="v4.19.1", mathlib=True, environ=environ)
    assert not version_dir(stubs.cache, Kind.MATHLIB, LeanVersion(4, 19, 1)).exists()


def test_failed_cache_download_keeps_the_repl_but_no_mathlib(
    stubs: StubToolchain, environ: dict[str, str], mathlib_remote: Path
) -> None:
    environ = {**environ, "LEANCLI_MATHLIB_GIT_URL": str(mathlib_remote), "STUB_CACHE_FAIL": "1"}
    with pytest.raises(SetupError, match="Mathlib's build cache"):
        setup(None, lean="v4.19.0", mathlib=True, environ=environ)
    assert (version_dir(stubs.cache, Kind.REPL, V419) / MARKER).is_file()
    assert not version_dir(stubs.cache, Kind.MATHLIB, V419).exists()
    assert list((stubs.cache / "tmp").iterdir()) == []


# --- the command line --------------------------------------------------------------------


def test_cli_setup_then_check_finds_the_repl(environ: dict[str, str], tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    env = {**os.environ, **environ}
    done = run_leancli("setup", "--project", str(project), env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert b"REPL for Lean v4.19.0" in done.stderr
    again = run_leancli("setup", "--project", str(project), env=env)
    assert again.returncode == 0 and b"Nothing to do" in again.stderr
    # `check` without --repl runs the REPL that setup built (through `lake env`).
    source = tmp_path / "in.jsonl"
    source.write_bytes(orjson.dumps({"code": "example : 1 = 1 := rfl"}) + b"\n")
    env.pop("LEANCLI_REPL", None)
    checked = run_leancli("check", str(source), "--project", str(project), env=env)
    assert checked.returncode == 0, checked.stderr.decode()
    [result] = [orjson.loads(line) for line in checked.stdout.splitlines()]
    assert result["status"] == "pass"


def test_cli_setup_without_elan_exits_1_with_the_install_command(
    stubs: StubToolchain, environ: dict[str, str], tmp_path: Path
) -> None:
    stubs.remove("elan")
    env = {**os.environ, **environ}
    done = run_leancli("setup", "--project", str(make_project(tmp_path / "p")), env=env)
    assert done.returncode == 1
    assert ELAN_INSTALL in done.stderr.decode()


def test_cli_setup_rejects_a_bad_version(environ: dict[str, str]) -> None:
    done = run_leancli("setup", "--lean", "latest", env={**os.environ, **environ})
    assert done.returncode == 2 and b"not a Lean version" in done.stderr
