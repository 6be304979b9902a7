"""Which kernel checker `--trust kernel` runs: --checker, LEANCLI_CHECKER, the simulated
one, the toolchain's leanchecker (v4.28.0-rc1 on), `leancli setup --checker`'s build."""

from __future__ import annotations

from pathlib import Path

from leancli import simulated
from leancli.options import ReplSpec
from leancli.toolchain.kernel_checker import find_checker, lean4checker_binary
from leancli.toolchain.versions import LeanVersion

REPL = ReplSpec(argv=("repl",))
SIMULATED = ReplSpec(argv=simulated.argv())
OLD, NEW = LeanVersion(4, 19, 0), LeanVersion(4, 28, 0, "rc1")


def _path_with_leanchecker(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "leanchecker"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return {"PATH": str(bin_dir), "LEANCLI_CACHE_DIR": str(tmp_path / "cache")}


def test_a_named_checker_comes_first_and_gets_lean_modules(tmp_path: Path) -> None:
    environ = {**_path_with_leanchecker(tmp_path), "LEANCLI_CHECKER": "from-env --x"}
    chosen = find_checker("mine -v", REPL, NEW, environ)
    assert (chosen.argv, chosen.source, chosen.module_from) == (
        ("mine", "-v"),
        "--checker",
        "compile",
    )
    from_env = find_checker(None, REPL, NEW, environ)
    assert (from_env.argv, from_env.source) == (("from-env", "--x"), "LEANCLI_CHECKER")
    assert find_checker("", REPL, NEW, environ).argv == ("from-env", "--x")  # empty: not set


def test_the_simulated_checker_reads_the_simulated_repls_pickles(tmp_path: Path) -> None:
    environ = _path_with_leanchecker(tmp_path)
    for chosen in (
        find_checker(None, SIMULATED, None, environ),
        find_checker("simulated", REPL, NEW, environ),
    ):
        assert chosen.argv == simulated.checker_argv() and chosen.module_from == "pickle"


def test_leanchecker_of_the_toolchain_from_v4_28(tmp_path: Path) -> None:
    environ = _path_with_leanchecker(tmp_path)
    assert find_checker(None, REPL, NEW, environ).argv == ("leanchecker",)
    assert find_checker(None, REPL, None, environ).argv == ("leanchecker",)
    missing = find_checker(None, REPL, NEW, {"PATH": str(tmp_path / "none")})
    assert missing.argv is None and "v4.28.0-rc1" in missing.fix and "--checker" in missing.fix


def test_before_v4_28_the_setup_build_of_lean4checker_or_the_command_that_builds_it(
    tmp_path: Path,
) -> None:
    environ = _path_with_leanchecker(tmp_path)  # elan's proxy is there, the binary is not
    missing = find_checker(None, REPL, OLD, environ)
    assert missing.argv is None and "leancli setup --checker" in missing.fix
    built = lean4checker_binary(OLD, environ)
    built.parent.mkdir(parents=True)
    built.write_text("#!/bin/sh\nexit 0\n")
    built.chmod(0o755)
    found = find_checker(None, REPL, OLD, environ)
    assert found.argv == (str(built),) and found.module_from == "compile"
    assert "v4.19.0" in str(built)
