"""`leancli setup --checker`: lean4checker built at the exact Lean tag, before v4.28.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.options import ReplSpec
from leancli.toolchain.cache_dirs import Kind, version_dir
from leancli.toolchain.kernel_checker import find_checker
from leancli.toolchain.setup import SetupError, setup
from leancli.toolchain.versions import LeanVersion
from tests.helpers.toolchain_stubs import (
    REPL_TAGS,
    StubToolchain,
    make_remote,
    make_stub_toolchain,
)

V419 = LeanVersion(4, 19, 0)


@pytest.fixture
def stubs(tmp_path: Path) -> StubToolchain:
    return make_stub_toolchain(tmp_path / "toolchain")


@pytest.fixture
def environ(stubs: StubToolchain, tmp_path: Path) -> dict[str, str]:
    remotes = tmp_path / "remotes"
    return {
        **stubs.environ,
        "LEANCLI_REPL_GIT_URL": str(make_remote(remotes, "repl", REPL_TAGS)),
        "LEANCLI_CHECKER_GIT_URL": str(make_remote(remotes, "lean4checker", ("v4.19.0",))),
    }


def test_builds_lean4checker_at_the_lean_tag_and_check_finds_it(
    stubs: StubToolchain, environ: dict[str, str]
) -> None:
    result = setup(lean="v4.19.0", checker=True, environ=environ)
    built = version_dir(stubs.cache, Kind.CHECKER, V419)
    assert result.checker_dir == built and built in result.built
    assert (built / "TAG").read_text() == "v4.19.0\n"
    assert "lake build lean4checker" in [c.split(" @ ")[0] for c in stubs.calls("lake")]
    found = find_checker(None, ReplSpec(argv=("repl",)), V419, environ)
    assert found.argv == (str(built / ".lake/build/bin/lean4checker"),)
    again = setup(lean="v4.19.0", checker=True, environ=environ)
    assert again.built == [] and again.checker_dir == built


def test_a_version_lean4checker_has_no_tag_for_is_refused(environ: dict[str, str]) -> None:
    with pytest.raises(SetupError, match=r"lean4checker .* has no tag for Lean v4\.18\.0"):
        setup(lean="v4.18.0", checker=True, environ=environ)


def test_nothing_is_built_from_v4_28(stubs: StubToolchain, environ: dict[str, str]) -> None:
    tags = (*REPL_TAGS, "v4.28.0")
    environ["LEANCLI_REPL_GIT_URL"] = str(make_remote(stubs.root / "more", "repl", tags))
    result = setup(lean="v4.28.0", checker=True, environ=environ)
    assert result.checker_dir is None
    assert not (stubs.cache / Kind.CHECKER.value).exists()
