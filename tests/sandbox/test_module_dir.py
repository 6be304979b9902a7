"""--trust kernel under --sandbox: the module directory is bound writable after the
private /tmp, and put in front of the LEAN_PATH that Lake gave the sandbox."""

from __future__ import annotations

from pathlib import Path

from leancli.options import ReplSpec
from leancli.sandbox.bubblewrap import bubblewrap_argv, with_module_dir


def test_the_module_directory_is_bound_after_the_private_tmp_and_first_on_lean_path() -> None:
    bwrap = bubblewrap_argv("bwrap", ("/usr",), tmpfs_mb=64)
    bwrap[1:1] = ["--setenv", "LEAN_PATH", "/p/.lake/build/lib"]
    spec = ReplSpec(argv=(*bwrap, "launcher", "--", "leanchecker"))
    argv = list(with_module_dir(spec, Path("/tmp/leancli-kernel-x")).argv)
    bind = argv.index("--bind")
    assert argv[bind : bind + 3] == ["--bind", "/tmp/leancli-kernel-x", "/tmp/leancli-kernel-x"]
    assert max(i for i, a in enumerate(argv) if a == "--tmpfs") < bind < argv.index("--remount-ro")
    assert argv[argv.index("LEAN_PATH") + 1] == "/tmp/leancli-kernel-x:/p/.lake/build/lib"


def test_a_command_outside_the_sandbox_is_left_alone() -> None:
    spec = ReplSpec(argv=("leanchecker",))
    assert with_module_dir(spec, Path("/tmp/d")) == spec
