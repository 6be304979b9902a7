"""Run a REPL under bubblewrap: no network, a read-only file system, a private /tmp."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

from leancli.options import ReplSpec

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap)"


class SandboxUnavailable(RuntimeError):
    pass


def bubblewrap_argv(bwrap: str) -> list[str]:
    """Everything stays readable (the toolchain, the project, Mathlib's oleans), nothing
    outside a private /tmp is writable, and the REPL has no network at all."""
    return [
        bwrap,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",
        "--tmpfs", "/var/tmp",
        "--tmpfs", "/dev/shm",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--",
    ]  # fmt: skip


def sandboxed(spec: ReplSpec) -> ReplSpec:
    """`spec` run inside bubblewrap; SandboxUnavailable when bubblewrap cannot run here."""
    problem = bubblewrap_problem()
    if problem is not None:
        raise SandboxUnavailable(problem)
    bwrap = shutil.which("bwrap")
    assert bwrap is not None
    return replace(spec, argv=(*bubblewrap_argv(bwrap), *spec.argv))


def bubblewrap_problem() -> str | None:
    """None when bubblewrap works here, else what is wrong and how to fix it."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    try:
        probe = subprocess.run(
            [*bubblewrap_argv(bwrap), "true"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run: {exc}"
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip() or f"exit {probe.returncode}"
        return (
            f"bubblewrap cannot create a sandbox here ({reason}); "
            "unprivileged user namespaces may be disabled "
            "(sysctl kernel.unprivileged_userns_clone=1)"
        )
    return None
