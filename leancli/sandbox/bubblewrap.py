"""Run a REPL under bubblewrap: only what it needs, read-only; no network; no other program.

What the REPL sees (`sandbox_binds`): the system's programs and libraries (/usr, /bin,
/lib*, the parts of /etc that dynamic linking and the locale read), the toolchain (elan's
home, the `lean` sysroot, every LEAN_PATH directory), the REPL (each program and file its
command line names, as named and resolved through links: the file itself, never its
folder; a program's installation prefix only when it is one, `PREFIX/bin/x` with
`PREFIX/lib` beside it), the project with its packages, and leancli's own installation
(the confined launcher, seccomp.py, runs from it). Nothing else of the user's home, the
input, the output or the cache exists in it: a bind that would be `/` or hold the home
directory is refused, naming the path to move. /tmp, /var/tmp and /dev/shm are private and
sized; files are capped at that size (RLIMIT_FSIZE); the REPL starts no other program
(seccomp.py) and its CPU time per request is capped (`CPU_FACTOR` x the request's wall
timeout, set with prlimit before each request: a backstop for when leancli is not there
to enforce the timeout, for instance while it is stopped).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from leancli.errors import LeancliError
from leancli.options import ReplSpec

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap)"
CPU_FACTOR = 4
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_ETC = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
    "/etc/localtime", "/etc/locale.alias", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
)  # fmt: skip
LAKE_ENV_TIMEOUT = 120.0


class SandboxUnavailable(LeancliError, RuntimeError):
    pass


@dataclass(frozen=True)
class SandboxView:
    """What a sandboxed REPL sees: `binds` (read-only) and its private /tmp's size."""

    binds: tuple[str, ...]
    tmpfs_mb: int


def _prefix(program: Path) -> Path | None:
    """The installation a program belongs to: PREFIX for `PREFIX/bin/x` with `PREFIX/lib`
    beside `PREFIX/bin` (where a toolchain keeps what its programs load), else None: the
    program's own folder may hold anything (a script beside the user's files)."""
    if program.parent.name != "bin":
        return None
    prefix = program.parent.parent
    if prefix == Path(prefix.anchor) or not (prefix / "lib").is_dir():
        return None  # `/bin/x`: a system program, under the system's own binds
    return prefix


class _Bind(NamedTuple):
    """A path to show the REPL, why, and what to move when it shows too much."""

    path: Path
    why: str
    move: Path | None = None


def _with_prefix(program: Path, why: str) -> list[_Bind]:
    """The program itself, and its installation when it has one."""
    prefix = _prefix(program)
    if prefix is None:
        return [_Bind(program, why)]
    installed = f"the installation of {program} ({prefix / 'lib'} is beside {program.parent})"
    return [_Bind(program, why), _Bind(prefix, installed, program)]


def _named_paths(argv: tuple[str, ...], cwd: Path, environ: Mapping[str, str]) -> list[_Bind]:
    """Each file the command line names (absolute, as named and resolved through links),
    programs with their installation; never the folder a file is in."""
    found: list[_Bind] = []
    for position, arg in enumerate(argv):
        named = shutil.which(arg, path=environ.get("PATH")) if position == 0 else None
        path = Path(named) if named else cwd / arg
        if not arg or not path.exists():
            continue
        path = Path(os.path.abspath(path))
        for each in dict.fromkeys((path, path.resolve())):
            why = f"{arg}, named on the REPL's command line"
            if each.is_file() and os.access(each, os.X_OK):
                found += _with_prefix(each, why)
            else:
                found.append(_Bind(each, why))
    return found


def sandbox_binds(
    argv: tuple[str, ...], cwd: Path | None, environ: Mapping[str, str] = os.environ
) -> tuple[str, ...]:
    """The paths a REPL run as `argv` in `cwd` sees, read-only, outermost first.

    SandboxUnavailable when one of them would be `/` or hold the home directory: the
    message says which path to move."""
    candidates = [_Bind(Path(p), "the system's") for p in SYSTEM_DIRS + SYSTEM_ETC]
    elan = environ.get("ELAN_HOME") or str(Path(environ.get("HOME", "/nonexistent")) / ".elan")
    candidates.append(_Bind(Path(elan), "elan's home (ELAN_HOME)"))
    lean = shutil.which("lean", path=environ.get("PATH"))
    if lean is not None:
        candidates += _with_prefix(Path(lean).resolve(), "the `lean` on PATH")
    for variable in ("LEAN_SYSROOT", "LEAN_PATH"):
        paths = environ.get(variable, "").split(os.pathsep)
        candidates += [_Bind(Path(p), f"in {variable}") for p in paths if p]
    interpreter = Path(sys.executable)
    candidates.append(_Bind(Path(sys.base_prefix), "Python's installation"))
    candidates += _with_prefix(interpreter.resolve(), "the Python interpreter")
    candidates.append(_Bind(Path(__file__).resolve().parents[2], "leancli's installation"))
    if cwd is not None:
        candidates.append(_Bind(cwd.resolve(), "the REPL's working directory (the project)"))
    candidates += _named_paths(argv, cwd or Path.cwd(), environ)
    present = {c.path: c for c in reversed(candidates) if c.path.is_absolute() and c.path.exists()}
    _refuse_too_wide(present.values(), environ)
    chosen: list[Path] = []
    for path in sorted(present, key=len_key):
        if not any(path == c or c in path.parents for c in chosen):
            chosen.append(path)
    return tuple(str(p) for p in chosen)


def _refuse_too_wide(binds: Iterable[_Bind], environ: Mapping[str, str]) -> None:
    """SandboxUnavailable when a bind is `/` or holds the home directory, as spelt or
    resolved through links and `..`, naming the path to move."""
    home = Path(environ.get("HOME") or "/nonexistent")
    home = home.resolve() if home.exists() else home
    for bind in binds:
        # As resolved too: a link to the home directory, or `HOME/../HOME`, is the home.
        spellings = (bind.path, bind.path.resolve())
        if any(path == Path(path.anchor) for path in spellings):
            shown = "the whole file system (/)"
        elif any(path == home or path in home.parents for path in spellings):
            shown = f"all of your home directory ({home})"
        else:
            continue
        move = bind.move or bind.path
        raise SandboxUnavailable(
            f"--sandbox would show the REPL {shown}: {bind.path} is {bind.why}; "
            f"move {move} into a folder of its own"
        )


def len_key(path: Path) -> tuple[int, str]:
    return (len(path.parts), str(path))


def bubblewrap_argv(bwrap: str, binds: tuple[str, ...] = (), tmpfs_mb: int = 0) -> list[str]:
    """No network, a private sized /tmp, and only `binds` (read-only) of the file system."""
    size = ["--size", str(tmpfs_mb * 1024 * 1024)] if tmpfs_mb > 0 else []
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    for tmp in ("/tmp", "/var/tmp", "/dev/shm"):
        argv += [*size, "--tmpfs", tmp]
    for path in binds:  # after the tmpfs: a REPL under /tmp stays visible
        if os.path.islink(path) and path in SYSTEM_DIRS:  # /bin -> usr/bin
            argv += ["--symlink", os.readlink(path), path]
        else:
            argv += ["--ro-bind", path, path]
    return [*argv, "--remount-ro", "/", "--"]


def sandboxed(spec: ReplSpec, tmpfs_mb: int = 1024) -> ReplSpec:
    """`spec` confined by bubblewrap and seccomp.py; SandboxUnavailable when it cannot be."""
    from leancli.sandbox.seccomp import supported_machine

    problem = bubblewrap_problem()
    if problem is not None:
        raise SandboxUnavailable(problem)
    if supported_machine() is None:
        raise SandboxUnavailable("no seccomp filter for this machine's architecture")
    bwrap = shutil.which("bwrap")
    assert bwrap is not None
    argv, variables = _without_lake_env(spec)
    binds = sandbox_binds(argv, spec.cwd, {**os.environ, **variables})
    bubblewrap = bubblewrap_argv(bwrap, binds, tmpfs_mb)
    # Lake's variables, and a working directory that exists inside.
    bubblewrap[1:1] = [a for name, value in variables.items() for a in ("--setenv", name, value)]
    bubblewrap[1:1] = ["--chdir", str(spec.cwd.resolve() if spec.cwd else "/")]
    launcher = [
        os.path.realpath(sys.executable),
        "-I",
        "-S",
        str(Path(__file__).parent / "seccomp.py"),
    ]
    confined = (*bubblewrap, *launcher, str(tmpfs_mb * 2**20), "--", *argv)
    return replace(spec, argv=confined, cpu_factor=CPU_FACTOR)


def cap_cpu(root_pid: int | None, seconds: float) -> None:
    """Let each process of the REPL's tree use `seconds` more CPU time, and no more
    (RLIMIT_CPU's soft limit: SIGXCPU ends it); nothing when `seconds` is 0."""
    import psutil

    if root_pid is None or seconds <= 0:
        return
    try:
        root = psutil.Process(root_pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for process in tree:
        try:
            used = process.cpu_times()
            soft = int(used.user + used.system + seconds) + 1
            process.rlimit(psutil.RLIMIT_CPU, (soft, psutil.RLIM_INFINITY))
        except (psutil.Error, OSError):
            continue


def _without_lake_env(spec: ReplSpec) -> tuple[tuple[str, ...], dict[str, str]]:
    """`lake env PROGRAM ...` as PROGRAM and the variables Lake gives it: under the sandbox
    Lake could not start it (the REPL, here Lake, starts no other program)."""
    argv = spec.argv
    if len(argv) < 3 or Path(argv[0]).name != "lake" or argv[1] != "env":
        return argv, {}
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    try:
        run = subprocess.run(
            [*argv[:2], sys.executable, "-I", "-S", "-c", dump],
            cwd=spec.cwd, capture_output=True, timeout=LAKE_ENV_TIMEOUT, check=False,
        )  # fmt: skip
        lake_env = json.loads(run.stdout) if run.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise SandboxUnavailable(f"`lake env` failed in {spec.cwd}: {exc}") from exc
    if not isinstance(lake_env, dict):
        said = run.stderr.decode(errors="replace").strip()[-500:]
        raise SandboxUnavailable(f"`lake env` failed in {spec.cwd}: {said}")
    changed = {k: str(v) for k, v in lake_env.items() if os.environ.get(k) != v}
    program = shutil.which(argv[2], path=lake_env.get("PATH")) or argv[2]
    return (program, *argv[3:]), changed


def sandbox_view(spec: ReplSpec, tmpfs_mb: int = 1024) -> SandboxView:
    """What `--sandbox` would show the REPL of `spec` (for `leancli doctor`)."""
    argv, variables = spec.argv, dict[str, str]()
    with contextlib.suppress(SandboxUnavailable):
        argv, variables = _without_lake_env(spec)
    return SandboxView(sandbox_binds(argv, spec.cwd, {**os.environ, **variables}), tmpfs_mb)


def bubblewrap_problem() -> str | None:
    """None when bubblewrap works here, else what is wrong and how to fix it."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    try:
        probe = subprocess.run(
            [*bubblewrap_argv(bwrap, sandbox_binds(("true",), None), 1), "true"],
            capture_output=True, timeout=20, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run: {exc}"
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip() or f"exit {probe.returncode}"
        if "--size" in reason:
            return f"bubblewrap is too old for --size (needs 0.8.0): {INSTALL_HINT}"
        return (
            f"bubblewrap cannot create a sandbox here ({reason}); "
            "unprivileged user namespaces may be disabled "
            "(sysctl kernel.unprivileged_userns_clone=1)"
        )
    return None


def with_module_dir(spec: ReplSpec, directory: Path) -> ReplSpec:
    """`spec` (sandboxed, or as is) that may write `directory` and finds modules there
    first: `--trust kernel` places each module in it, and the checker reads it from there.

    The bind goes after the private /tmp (which would hide it) and before the remount; a
    LEAN_PATH that Lake gave the sandbox (`--setenv`) gets the directory in front."""
    argv = list(spec.argv)
    if "--remount-ro" not in argv:
        return spec
    where = argv.index("--remount-ro")
    argv[where:where] = ["--bind", str(directory), str(directory)]
    for index in range(len(argv) - 2):
        if argv[index : index + 2] == ["--setenv", "LEAN_PATH"]:
            argv[index + 2] = os.pathsep.join([str(directory), argv[index + 2]])
            break
    return replace(spec, argv=tuple(argv))
