"""`--sandbox` never binds the home directory, however a toolchain path spells it
(issue 25, item 9; found by the adversarial review of issue 25)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leancli.sandbox.bubblewrap import SandboxUnavailable, sandbox_binds


@pytest.mark.parametrize("variable", ["LEAN_PATH", "ELAN_HOME", "LEAN_SYSROOT"])
@pytest.mark.parametrize("spelling", ["symlink", "dotdot"])
def test_a_toolchain_path_that_is_the_home_directory_by_another_spelling_is_refused(
    tmp_path: Path, variable: str, spelling: str
) -> None:
    # Issue 25 item 9: "never the home directory or `/`: refuse with a message saying
    # which path to move". ELAN_HOME, LEAN_SYSROOT and LEAN_PATH entries are compared
    # resolved, as the command line's files are: a link to the home directory, or
    # `HOME/../HOME`, would show the REPL all of it.
    home = tmp_path / "home"
    (home / "secrets").mkdir(parents=True)
    project = tmp_path / "project"
    project.mkdir()
    if spelling == "symlink":
        spelt = tmp_path / "toolchain-link"
        spelt.symlink_to(home)
    else:
        spelt = home / ".." / home.name
    environ = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), variable: str(spelt)}
    with pytest.raises(SandboxUnavailable) as refused:
        sandbox_binds(("/bin/true",), project, environ)
    said = str(refused.value)
    assert "home directory" in said, said
    assert f"move {spelt} " in said, said
