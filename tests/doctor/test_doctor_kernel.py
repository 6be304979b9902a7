"""`leancli doctor` says which checker `--trust kernel` would use, or how to get one."""

from __future__ import annotations

from pathlib import Path

from leancli.doctor.diagnose import diagnose
from leancli.toolchain.cache_dirs import Kind
from leancli.toolchain.kernel_checker import lean4checker_binary
from leancli.toolchain.versions import LeanVersion
from tests.helpers.toolchain_stubs import cached_repl, make_project, make_stub_toolchain


def _kernel_row(report: object) -> str:
    [row] = [r for r in report.rows if r.name == "kernel checker"]  # type: ignore[attr-defined]
    return f"{row.status}: {row.detail}"


def test_doctor_names_the_command_that_gets_a_checker_then_the_one_it_built(
    tmp_path: Path,
) -> None:
    stubs = make_stub_toolchain(tmp_path / "toolchain")
    cached_repl(stubs, Kind.REPL, "v4.19.0")
    project = make_project(tmp_path / "proj")
    report = diagnose(None, project, stubs.environ)
    assert report.ok  # --trust kernel is optional: no checker is no problem
    assert _kernel_row(report).startswith("info: none for --trust kernel")
    assert "leancli setup --checker" in _kernel_row(report)
    assert report.to_json()["kernel_checker"] is None
    built = lean4checker_binary(LeanVersion(4, 19, 0), stubs.environ)
    built.parent.mkdir(parents=True)
    built.write_text("#!/bin/sh\n")
    built.chmod(0o755)
    again = diagnose(None, project, stubs.environ)
    assert _kernel_row(again).startswith(f"ok: --trust kernel would run {built}")
    assert again.to_json()["kernel_checker"] == [str(built)]


def test_doctor_shows_leancli_checker(tmp_path: Path) -> None:
    stubs = make_stub_toolchain(tmp_path / "toolchain")
    environ = {**stubs.environ, "LEANCLI_CHECKER": "my-checker --fast"}
    report = diagnose("simulated", None, environ)
    assert "would run my-checker --fast (LEANCLI_CHECKER" in _kernel_row(report)
    simulated = diagnose("simulated", None, stubs.environ)
    assert "leancli.simulated.checker" in _kernel_row(simulated)


def test_doctor_fails_a_checker_or_lean_that_cannot_start(tmp_path: Path) -> None:
    # Found by the adversarial review of issue 24: doctor said `ok` of a checker that
    # could not start, and never looked for the `lean` that makes its module.
    stubs = make_stub_toolchain(tmp_path / "toolchain")
    missing = tmp_path / "no-such-checker"
    report = diagnose("simulated", None, {**stubs.environ, "LEANCLI_CHECKER": str(missing)})
    assert _kernel_row(report).startswith("fail: --trust kernel would run"), _kernel_row(report)
    assert f"{missing} does not exist" in _kernel_row(report)
    assert report.to_json()["kernel_checker_starts"] is False
    checker = tmp_path / "checker"
    checker.write_text("#!/bin/sh\n")
    checker.chmod(0o755)
    no_lean = {**stubs.environ, "LEANCLI_CHECKER": str(checker), "PATH": "/bin"}
    row = _kernel_row(diagnose("simulated", None, no_lean))
    assert row.startswith("fail:") and "no `lean` on PATH" in row, row
    with_lean = {**stubs.environ, "LEANCLI_CHECKER": str(checker)}
    assert _kernel_row(diagnose("simulated", None, with_lean)).startswith("ok:")
