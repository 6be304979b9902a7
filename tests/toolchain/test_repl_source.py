"""Which REPL sources setup builds when no tag names the Lean version, and the stdout fix
that tags before v4.10.0 need, against stand-in tools and local bare repositories.

The modelled facts are read from leanprover-community/repl: its tags (none for v4.11.0,
v4.12.0, v4.13.0, v4.20.0 (set on a side branch only), v4.20.1, v4.23.0; none before
v4.3.0), its `lean-toolchain` files (`leanprover/lean4:v4.19.0`), and commit 4fc1e6d, which
made the loop flush stdout after each answer's closing blank line (tags v4.10.0 and later).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.toolchain import repl_source
from leancli.toolchain.cache_dirs import MARKER, Kind, version_dir
from leancli.toolchain.repl_source import insert_flush, names_version, needs_flush_fix, unsupported
from leancli.toolchain.setup import QuietProgress, SetupError, setup
from leancli.toolchain.versions import LeanVersion
from tests.helpers.common import V, run_leancli
from tests.helpers.toolchain_stubs import (
    FLUSHED_MAIN,
    UNFLUSHED_MAIN,
    StubCommit,
    StubToolchain,
    commit_titled,
    fork_history,
    make_remote,
    make_stub_toolchain,
)

MAIN = Path("REPL/Main.lean")
# Like the REPL's history around v4.20: a bump to v4.20.0 left on a side branch, then
# v4.20.1 on master with no tag, a later commit at that version, then a tag again.
UNTAGGED_HISTORY = [
    StubCommit("v4.19.0", tag="v4.19.0"),
    StubCommit("v4.20.0", message="bump to v4.20.0", branch="bump_to_v4.20.0"),
    StubCommit("v4.20.1", message="bump to v4.20.1"),
    StubCommit("v4.20.1", message="a feature", files={"REPL/Feature.lean": "-- new\n"}),
    StubCommit("v4.21.0", tag="v4.21.0"),
]
# Tags before and after the stdout fix, with the fix as its own commit in between.
FLUSH_HISTORY = [
    StubCommit("v4.9.0", tag="v4.9.0", files={"REPL/Main.lean": UNFLUSHED_MAIN}),
    StubCommit("v4.10.0-rc1", tag="v4.10.0-rc1"),
    StubCommit("v4.10.0-rc1", message="flush stdout", files={"REPL/Main.lean": FLUSHED_MAIN}),
    StubCommit("v4.10.0", tag="v4.10.0"),
    StubCommit("v4.15.0", tag="v4.15.0"),
]


@pytest.fixture
def stubs(tmp_path: Path) -> StubToolchain:
    return make_stub_toolchain(tmp_path / "toolchain")


def repl_environ(stubs: StubToolchain, remote: Path) -> dict[str, str]:
    return {**stubs.environ, "LEANCLI_REPL_GIT_URL": str(remote)}


def marker_of(directory: Path) -> dict[str, Any]:
    data = orjson.loads((directory / MARKER).read_bytes())
    assert isinstance(data, dict)
    return data


def git_subcommands(stubs: StubToolchain) -> list[str]:
    """The git subcommand of each logged call (`clone`, `cherry-pick`...)."""
    words = [call.split(" @ ")[0].split()[1:] for call in stubs.calls("git")]
    return [next(w for w in args if not w.startswith("-") and "=" not in w) for args in words]


# --- pure parts ----------------------------------------------------------------------------


def test_lean_before_4_3_0_has_no_repl() -> None:
    message = unsupported(V("v4.2.0"))
    assert message is not None and "v4.3.0" in message and "v4.2.0" in message
    assert unsupported(V("v4.3.0-rc2")) is not None
    assert unsupported(V("v4.3.0")) is None


def test_toolchain_text_must_name_exactly_the_version() -> None:
    assert names_version("leanprover/lean4:v4.20.1\n", V("v4.20.1"))
    assert not names_version("leanprover/lean4:v4.20.1-rc1\n", V("v4.20.1"))
    assert not names_version("leanprover/lean4:v4.20.0\n", V("v4.20.1"))
    assert not names_version("leanprover/lean4-pr-releases:pr-release-3071\n", V("v4.9.0"))


def test_the_flush_fix_is_needed_before_4_10_0_when_the_sources_lack_it() -> None:
    assert needs_flush_fix(V("v4.9.0"), UNFLUSHED_MAIN)
    assert needs_flush_fix(V("v4.10.0-rc1"), UNFLUSHED_MAIN)
    # The fork's tags for old Lean versions were cut from sources that already flush.
    assert not needs_flush_fix(V("v4.7.0"), FLUSHED_MAIN)
    assert not needs_flush_fix(V("v4.10.0"), UNFLUSHED_MAIN)


def test_the_flush_goes_right_after_the_blank_line_that_ends_an_answer() -> None:
    patched = insert_flush(UNFLUSHED_MAIN)
    assert patched is not None
    lines = patched.splitlines()
    blank = next(i for i, line in enumerate(lines) if line.strip().startswith('IO.println ""'))
    assert lines[blank + 1].startswith("  (← IO.getStdout).flush")
    assert patched.replace(lines[blank + 1] + "\n", "") == UNFLUSHED_MAIN
    assert not needs_flush_fix(V("v4.9.0"), patched)


def test_no_flush_is_inserted_without_exactly_one_place_for_it() -> None:
    assert insert_flush("-- the REPL\n") is None
    assert insert_flush(UNFLUSHED_MAIN + '  IO.println ""\n') is None


# --- no tag for the version ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lean", "title"), [("v4.20.1", "bump to v4.20.1"), ("v4.20.0", "bump to v4.20.0")]
)
def test_without_a_tag_the_newest_commit_that_set_the_toolchain_is_built(
    stubs: StubToolchain, tmp_path: Path, lean: str, title: str
) -> None:
    remote = make_remote(tmp_path / "remotes", "repl", history=UNTAGGED_HISTORY)
    environ = repl_environ(stubs, remote)
    progress = QuietProgress()
    result = setup(None, lean=lean, environ=environ, progress=progress)
    version = V(lean)
    assert version is not None
    repl_dir = version_dir(stubs.cache, Kind.REPL, version)
    assert (repl_dir / "TAG").read_text() == f"{title}\n"
    assert (repl_dir / "lean-toolchain").read_text() == f"leanprover/lean4:{lean}\n"
    commit = commit_titled(remote, title)
    marker = marker_of(repl_dir)
    # Recorded as a commit build: no tag, so that it is never taken for the tag's sources.
    assert (marker["source"], marker["tag"], marker["commit"]) == ("commit", None, commit)
    [note] = result.notes
    assert f"no REPL tag for Lean {lean}" in note and commit[:12] in note
    assert f"note: {note}" in progress.events
    assert (repl_dir / ".lake/build/bin/repl").is_file()
    # Finding commits needs the history: a full clone, not the shallow one of a tag build.
    [clone] = [c for c in stubs.calls("git") if " clone " in f" {c} "]
    assert "--depth" not in clone


def test_without_a_tag_or_commit_an_older_tag_is_built_and_named(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    remote = make_remote(tmp_path / "remotes", "repl", history=UNTAGGED_HISTORY)
    result = setup(None, lean="v4.19.2", environ=repl_environ(stubs, remote))
    repl_dir = version_dir(stubs.cache, Kind.REPL, LeanVersion(4, 19, 2))
    assert (repl_dir / "TAG").read_text() == "v4.19.0\n"
    assert (repl_dir / "lean-toolchain").read_text() == "leanprover/lean4:v4.19.2\n"
    [note] = result.notes
    assert "no commit whose lean-toolchain names it" in note and "older tag v4.19.0" in note
    marker = marker_of(repl_dir)
    assert (marker["source"], marker["tag"]) == ("older tag", "v4.19.0")


def test_lean_before_4_3_0_is_refused_before_any_download(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    with pytest.raises(SetupError, match=r"v4\.3\.0 and later"):
        setup(None, lean="v4.2.0", environ=repl_environ(stubs, tmp_path / "repl.git"))
    assert stubs.calls("git") == [] and stubs.calls("lake") == []


def test_cli_names_the_commit_it_builds_on_stderr(stubs: StubToolchain, tmp_path: Path) -> None:
    remote = make_remote(tmp_path / "remotes", "repl", history=UNTAGGED_HISTORY)
    env = {**os.environ, **repl_environ(stubs, remote)}
    done = run_leancli("setup", "--lean", "v4.20.1", env=env)
    assert done.returncode == 0, done.stderr.decode()
    commit = commit_titled(remote, "bump to v4.20.1")
    stderr = " ".join(done.stderr.decode().split())
    assert f"no REPL tag for Lean v4.20.1; using commit {commit[:12]}" in stderr


# --- the stdout fix ------------------------------------------------------------------------


@pytest.fixture
def flush_remote(tmp_path: Path) -> Path:
    return make_remote(tmp_path / "remotes", "repl", history=FLUSH_HISTORY)


def test_a_tag_before_4_10_0_gets_the_upstream_flush_commit(
    stubs: StubToolchain, flush_remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stand-in remote has its own hash for the upstream fix.
    monkeypatch.setattr(repl_source, "FLUSH_COMMIT", commit_titled(flush_remote, "flush stdout"))
    progress = QuietProgress()
    setup(None, lean="v4.9.0", environ=repl_environ(stubs, flush_remote), progress=progress)
    repl_dir = version_dir(stubs.cache, Kind.REPL, LeanVersion(4, 9, 0))
    assert (repl_dir / MAIN).read_text() == FLUSHED_MAIN
    assert "cherry-pick" in git_subcommands(stubs)
    # Patched before the build, which compiles the patched sources.
    lake_build = next(i for i, c in enumerate(stubs.calls()) if c.startswith("lake build"))
    pick = next(i for i, c in enumerate(stubs.calls()) if c.startswith("git cherry-pick"))
    assert pick < lake_build
    [patch] = marker_of(repl_dir)["patches"]
    assert "cherry-picked" in patch
    assert any(e.startswith("note: v4.9.0 predates") for e in progress.events)


def test_without_the_upstream_commit_the_flush_line_is_added(
    stubs: StubToolchain, flush_remote: Path
) -> None:
    # The real 4fc1e6d is not in the stand-in remote: fetching and cherry-picking it fail.
    setup(None, lean="v4.9.0", environ=repl_environ(stubs, flush_remote))
    repl_dir = version_dir(stubs.cache, Kind.REPL, LeanVersion(4, 9, 0))
    assert (repl_dir / MAIN).read_text() == insert_flush(UNFLUSHED_MAIN)
    assert {"fetch", "cherry-pick"} <= set(git_subcommands(stubs))
    [patch] = marker_of(repl_dir)["patches"]
    assert "added a flush" in patch


def test_a_tag_from_4_10_0_on_is_built_unpatched(
    stubs: StubToolchain, flush_remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repl_source, "FLUSH_COMMIT", commit_titled(flush_remote, "flush stdout"))
    setup(None, lean="v4.15.0", environ=repl_environ(stubs, flush_remote))
    repl_dir = version_dir(stubs.cache, Kind.REPL, LeanVersion(4, 15, 0))
    assert (repl_dir / MAIN).read_text() == FLUSHED_MAIN
    assert not {"fetch", "cherry-pick"} & set(git_subcommands(stubs))
    assert marker_of(repl_dir)["patches"] == []


def test_an_old_fork_tag_that_already_flushes_is_not_patched(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    [commit] = fork_history(("v1.3.3-dev_lean-toolchain-v4.9.0",))
    flushing = replace(commit, files={**commit.files, "REPL/Main.lean": FLUSHED_MAIN})
    remote = make_remote(tmp_path / "remotes", "fork", history=[flushing])
    environ = {**stubs.environ, "LEANCLI_REPL_FORK_GIT_URL": str(remote)}
    result = setup(None, lean="v4.9.0", fork=True, environ=environ)
    assert (result.repl_dir / MAIN).read_text() == FLUSHED_MAIN
    assert "cherry-pick" not in git_subcommands(stubs)


def test_a_patch_that_applies_neither_way_is_a_setup_error(
    stubs: StubToolchain, tmp_path: Path
) -> None:
    # Sources without the blank-line print to add the flush after.
    remote = make_remote(tmp_path / "remotes", "repl", ("v4.9.0",), main_lean="-- the REPL\n")
    with pytest.raises(SetupError) as failure:
        setup(None, lean="v4.9.0", environ=repl_environ(stubs, remote))
    message = str(failure.value)
    assert "4fc1e6d" in message and "time out" in message and "Nothing was kept" in message
    assert stubs.calls("lake") == []
    assert not version_dir(stubs.cache, Kind.REPL, LeanVersion(4, 9, 0)).exists()
    assert list((stubs.cache / "tmp").iterdir()) == []
