"""Issue 25, item 9: `--sandbox` binds only what it must.

The file the REPL's command line names, never its folder; a program's installation
prefix only when it is one (`PREFIX/bin/x` with `PREFIX/lib` beside it, the layout of a
Lean toolchain and of a Python installation); never `/` or the home directory, which is
refused with the path to move; `leancli doctor` lists the binds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.doctor.sections import sandbox_section
from leancli.options import ReplSpec
from leancli.sandbox.bubblewrap import SandboxUnavailable, sandbox_binds


def _program(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def _environ(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": "/usr/bin:/bin", "HOME": str(home)}


def test_a_repl_script_beside_the_user_s_files_binds_itself_only(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    script = _program(folder / "repl.sh")
    data = folder / "notes.lean"
    data.write_text("secret")
    binds = sandbox_binds((str(script), str(data)), None, _environ(tmp_path / "home"))
    assert str(script) in binds and str(data) in binds
    assert str(folder) not in binds and str(tmp_path) not in binds


def test_bin_without_lib_beside_it_is_no_installation(tmp_path: Path) -> None:
    repl = _program(tmp_path / "home" / "bin" / "repl")
    binds = sandbox_binds((str(repl),), None, _environ(tmp_path / "home"))
    assert str(repl) in binds
    assert not any(bind in (str(tmp_path / "home"), str(repl.parent)) for bind in binds)


def test_an_installation_in_the_home_directory_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    repl = _program(home / "bin" / "repl")
    (home / "lib").mkdir()
    with pytest.raises(SandboxUnavailable) as refused:
        sandbox_binds((str(repl),), None, _environ(home))
    message = str(refused.value)
    assert f"home directory ({home})" in message and f"move {repl} into" in message


@pytest.mark.parametrize("where", ["home", "root"])
def test_a_project_that_is_the_home_directory_or_root_is_refused(
    tmp_path: Path, where: str
) -> None:
    home = tmp_path / "home"
    project = home if where == "home" else Path("/")
    with pytest.raises(SandboxUnavailable, match=f"move {project} into") as refused:
        sandbox_binds(("true",), project, _environ(home))
    assert "working directory" in str(refused.value)


def test_doctor_lists_the_binds_or_the_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    script = _program(tmp_path / "repl" / "repl.sh")
    section = sandbox_section(ReplSpec((str(script),)))
    assert section.binds is not None and str(script) in section.binds
    assert str(script) in section.rows()[0].detail
    assert section.to_json()["sandbox_binds"] == list(section.binds)
    refused = sandbox_section(ReplSpec((str(script),), cwd=home))
    assert refused.rows()[0].status == "warn" and "move" in refused.rows()[0].detail
    assert refused.to_json()["sandbox"] is False


def test_sandboxing_such_a_repl_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import leancli.sandbox.bubblewrap as bubblewrap
    import leancli.sandbox.seccomp as seccomp

    home = tmp_path / "home"
    repl = _program(home / "bin" / "repl")
    (home / "lib").mkdir()
    monkeypatch.setenv("HOME", str(home))
    which = shutil.which
    monkeypatch.setattr(bubblewrap, "bubblewrap_problem", lambda: None)
    monkeypatch.setattr(seccomp, "supported_machine", lambda: "x86_64")
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name, **kw: "/bwrap" if name == "bwrap" else which(name, **kw),
    )
    with pytest.raises(SandboxUnavailable, match=f"move {repl} into a folder of its own"):
        bubblewrap.sandboxed(ReplSpec((str(repl),)))
