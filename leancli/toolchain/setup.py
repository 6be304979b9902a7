"""`leancli setup`: build a Lean REPL (and optionally a Mathlib project) for a toolchain.

Everything is built in `<cache>/tmp/` and renamed into `<cache>/<kind>/<Lean version>/` only
when complete, so an interrupted or failed setup leaves nothing that discovery could pick up,
and a second run finds the complete directory and does nothing. Which REPL sources are
built for a Lean version (a tag, a commit, an older tag; patched) is `repl_source`'s choice.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from leancli.errors import ConfigError
from leancli.toolchain import cache_dirs, repl_source
from leancli.toolchain.cache_dirs import Kind
from leancli.toolchain.discovery import setup_command
from leancli.toolchain.kernel_checker import LEAN4CHECKER_BINARY, LEANCHECKER_SINCE
from leancli.toolchain.lake import mathlib_built, require_project_dir
from leancli.toolchain.setup_steps import Progress, SetupError, run, write_toolchain
from leancli.toolchain.tools import ELAN_INSTALL, lean_version_in, which
from leancli.toolchain.versions import LeanVersion, pick_tag, read_toolchain

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

REPL_URL = "https://github.com/leanprover-community/repl"
FORK_URL = "https://github.com/augustepoiroux/repl"
MATHLIB_URL = "https://github.com/leanprover-community/mathlib4"
_URL_ENV = {
    Kind.REPL: ("LEANCLI_REPL_GIT_URL", REPL_URL),
    Kind.REPL_FORK: ("LEANCLI_REPL_FORK_GIT_URL", FORK_URL),
    Kind.MATHLIB: ("LEANCLI_MATHLIB_GIT_URL", MATHLIB_URL),
    Kind.CHECKER: ("LEANCLI_CHECKER_GIT_URL", "https://github.com/leanprover/lean4checker"),
}

__all__ = ["Progress", "QuietProgress", "RichProgress", "SetupError", "SetupResult", "setup"]


class QuietProgress:
    """Collects what setup reports (for tests and library use)."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self, title: str) -> None:
        self.events.append(f"start: {title}")

    def line(self, text: str) -> None:
        pass

    def done(self, title: str, seconds: float) -> None:
        self.events.append(f"done: {title}")

    def note(self, text: str) -> None:
        self.events.append(f"note: {text}")


class RichProgress:
    """A spinner showing the current step and its latest output line, on a rich Console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None
        self._title = ""

    def start(self, title: str) -> None:
        self._title = title
        self._status = self.console.status(title)
        self._status.start()

    def line(self, text: str) -> None:
        if self._status is not None and text.strip():
            self._status.update(f"{self._title} [dim]{_shorten(text.strip(), 70)}[/]")

    def done(self, title: str, seconds: float) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        self.console.print(f"[green]✓[/] {title} [dim]({seconds:.1f} s)[/]")

    def note(self, text: str) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        self.console.print(f"[yellow]note:[/] {text}")


@dataclass
class SetupResult:
    """What is in place after setup; `built` lists what this run built (empty: nothing)."""

    version: LeanVersion
    repl_dir: Path
    mathlib_dir: Path | None = None
    checker_dir: Path | None = None  # lean4checker (--checker), before Lean v4.28.0
    built: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def setup(
    project: Path | None = None,
    *,
    mathlib: bool = False,
    fork: bool = False,
    checker: bool = False,
    lean: str | None = None,
    environ: Mapping[str, str] = os.environ,
    progress: Progress | None = None,
) -> SetupResult:
    """Make sure the cache holds a REPL (and with `mathlib`, a Mathlib project) for the
    Lean version of `project`, the current directory, or `lean` (e.g. "v4.19.0")."""
    progress = progress or QuietProgress()
    _require_tools(environ)
    version = _target_version(project, lean, environ)
    root = cache_dirs.cache_root(environ)
    result = SetupResult(version=version, repl_dir=Path())
    kind = Kind.REPL_FORK if fork else Kind.REPL
    result.repl_dir = _ensure(root, kind, version, environ, progress, result)
    if mathlib:
        result.mathlib_dir = _ensure(root, Kind.MATHLIB, version, environ, progress, result)
    if checker:
        result.checker_dir = _ensure_checker(version, environ, progress, result.built)
    return result


def git_url(kind: Kind, environ: Mapping[str, str] = os.environ) -> str:
    """The remote for `kind`, overridable by env (tests point it at a local bare repo)."""
    name, default = _URL_ENV[kind]
    return environ.get(name) or default


# --- preconditions -----------------------------------------------------------------------


def _require_tools(environ: Mapping[str, str]) -> None:
    if which("elan", environ) is None:
        raise SetupError(
            "elan, the Lean toolchain manager, is not installed (or not on PATH).\n"
            f"Install it with:\n  {ELAN_INSTALL}\n"
            "then open a new shell (or run `source ~/.elan/env`) and run leancli setup again."
        )
    if which("git", environ) is None:
        raise SetupError(
            "git is not installed; install it (e.g. `sudo apt-get install git` or "
            "`brew install git`) and run leancli setup again."
        )


def _target_version(
    project: Path | None, lean: str | None, environ: Mapping[str, str]
) -> LeanVersion:
    if lean is not None:
        version = LeanVersion.parse(lean.rsplit(":", 1)[-1])
        if version is None:
            raise SetupError(f"--lean {lean!r} is not a Lean version such as v4.19.0")
        return version
    try:
        require_project_dir(project)
    except ConfigError as exc:
        raise SetupError(str(exc)) from None
    here = (project or Path.cwd()).resolve()
    toolchain = read_toolchain(here)
    if toolchain is not None and toolchain.version is not None:
        return toolchain.version
    found = lean_version_in(here, environ)
    if found is None:
        raise SetupError(
            f"cannot tell which Lean version to build for in {here}: no lean-toolchain file "
            "pins one and `lean --version` failed; pass --lean v4.X.Y or --project DIR"
        )
    return found


# --- building one cache directory --------------------------------------------------------


def _ensure(
    root: Path,
    kind: Kind,
    version: LeanVersion,
    environ: Mapping[str, str],
    progress: Progress,
    result: SetupResult,
) -> Path:
    final = cache_dirs.version_dir(root, kind, version)
    if cache_dirs.is_complete(final):
        progress.note(f"{kind.value} for Lean {version.tag} is already set up in {final}")
        return final
    if kind is not Kind.MATHLIB and (refusal := repl_source.unsupported(version)):
        raise SetupError(refusal)
    _remove_stale_staging(root)
    url = git_url(kind, environ)
    tags = _list_tags(url, environ, progress)
    marker: dict[str, object]
    with _staging(root, kind, version) as work:
        if kind is Kind.MATHLIB:
            tag = _mathlib_tag(url, tags, version)
            _build_mathlib(work, url, tag, version, environ, progress)
            marker = {"source": "tag", "tag": tag, "commit": None, "note": "", "patches": []}
        else:
            source = repl_source.check_out(work, url, tags, version, environ, progress)
            if source.note:
                result.notes.append(source.note)
            _build_repl(work, version, environ, progress)
            marker = source.describe()
        _write_marker(work, kind, url, version, marker)
        _publish(work, final)
    result.built.append(final)
    return final


def _ensure_checker(
    version: LeanVersion, environ: Mapping[str, str], progress: Progress, built: list[Path]
) -> Path | None:
    """`--checker`: the directory holding lean4checker for `version`, built if missing
    (then added to `built`); None from v4.28.0-rc1, whose toolchains have `leanchecker`
    (lean4 PR #11887). A checker reads only the .olean files of its own toolchain, so it is
    cloned at the exact Lean tag (leanprover/lean4checker tags `toolchain/v4.6.0`,
    `toolchain/v4.7.0`, then `vX.Y.Z[-rcN]`); `lake build lean4checker` names the target
    because the default targets include its deliberately bad test files."""
    if version >= LEANCHECKER_SINCE:
        progress.note(
            f"Lean {version.tag} has its own leanchecker (from {LEANCHECKER_SINCE.tag}): "
            "nothing to build for --trust kernel"
        )
        return None
    root = cache_dirs.cache_root(environ)
    final = cache_dirs.version_dir(root, Kind.CHECKER, version)
    if cache_dirs.is_complete(final):
        progress.note(f"lean4checker for Lean {version.tag} is already set up in {final}")
        return final
    url = git_url(Kind.CHECKER, environ)
    tags = _list_tags(url, environ, progress)
    tag = next((t for t in (version.tag, f"toolchain/{version.tag}") if t in tags), None)
    if tag is None:
        raise SetupError(
            f"lean4checker ({url}) has no tag for Lean {version.tag}, and a checker must be "
            "built with the same toolchain as the .olean files it reads: move to a toolchain "
            f"it has a tag for, or from {LEANCHECKER_SINCE.tag} on (leanchecker is built in), "
            "or name a checker with --checker"
        )
    _remove_stale_staging(root)
    with _staging(root, Kind.CHECKER, version) as work:
        clone = ["git", "clone", "--quiet", "--depth", "1", "--branch", tag, url, str(work)]
        run(clone, None, environ, progress, f"Fetching lean4checker {tag}", network=url)
        title = f"Building lean4checker for Lean {version.tag}"
        run(["lake", "build", "lean4checker"], work, environ, progress, title, network="elan")
        if not (work / LEAN4CHECKER_BINARY).is_file():
            raise SetupError(
                f"`lake build lean4checker` finished but {LEAN4CHECKER_BINARY} is missing"
            )
        marker: dict[str, object] = {
            "source": "tag",
            "tag": tag,
            "commit": None,
            "note": "",
            "patches": [],
        }
        _write_marker(work, Kind.CHECKER, url, version, marker)
        _publish(work, final)
    built.append(final)
    return final


def _mathlib_tag(url: str, tags: list[str], version: LeanVersion) -> str:
    choice = pick_tag(tags, version)
    if choice is None or not choice.exact:
        # Mathlib built for another Lean cannot use its build cache: only the exact tag does.
        older = f" (its newest older one is {choice.tag})" if choice else ""
        raise SetupError(
            f"Mathlib ({url}) has no tag {version.tag}{older}. Either use a toolchain that "
            f"Mathlib has a tag for (`leancli setup --mathlib --lean vX.Y.Z`), or your own "
            "Lake project that requires Mathlib: `cd DIR && lake exe cache get`, then "
            f"`{setup_command(Path('DIR'))}` and `leancli check --project DIR`"
        )
    return choice.tag


def _list_tags(url: str, environ: Mapping[str, str], progress: Progress) -> list[str]:
    output = run(
        ["git", "ls-remote", "--tags", "--refs", url],
        None,
        environ,
        progress,
        f"Listing tags of {url}",
        network=url,
    )
    return [line.rsplit("refs/tags/", 1)[-1] for line in output if "refs/tags/" in line]


def _build_repl(
    work: Path, version: LeanVersion, environ: Mapping[str, str], progress: Progress
) -> None:
    title = f"Building the REPL for Lean {version.tag}"
    # elan installs the toolchain on first use, so this step may download it.
    run(["lake", "build"], work, environ, progress, title, network="the Lean release (elan)")
    if not cache_dirs.repl_binary(work).is_file():
        raise SetupError(f"`lake build` finished but {cache_dirs.REPL_BINARY} is missing")


def _build_mathlib(
    work: Path,
    url: str,
    tag: str,
    version: LeanVersion,
    environ: Mapping[str, str],
    progress: Progress,
) -> None:
    write_toolchain(work, version)
    (work / "lakefile.lean").write_text(_mathlib_lakefile(url, tag), encoding="utf-8")
    run(["lake", "update"], work, environ, progress, "Fetching Mathlib", network=url)
    run(
        ["lake", "exe", "cache", "get"],
        work,
        environ,
        progress,
        "Downloading Mathlib's build cache",
        network="Mathlib's build cache",
    )
    if not mathlib_built(work / ".lake" / "packages" / "mathlib"):
        raise SetupError("`lake exe cache get` finished but Mathlib's .olean files are missing")


def _mathlib_lakefile(url: str, tag: str) -> str:
    # lakefile.lean rather than .toml: every Lake version reads it.
    return (
        "import Lake\nopen Lake DSL\n\n"
        "package leancli_mathlib\n\n"
        f"require mathlib from git {json.dumps(url)} @ {json.dumps(tag)}\n"
    )


def _write_marker(
    work: Path, kind: Kind, url: str, version: LeanVersion, source: Mapping[str, object]
) -> None:
    """`source` says what was built: `tag` is None for a build from a commit (no tag names
    the Lean version), `commit` is the commit built."""
    marker = {
        "kind": kind.value,
        "lean": version.tag,
        "url": url,
        **source,
        "fork": kind is Kind.REPL_FORK,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (work / cache_dirs.MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


# --- atomic directories ------------------------------------------------------------------


@contextlib.contextmanager
def _staging(root: Path, kind: Kind, version: LeanVersion) -> Iterator[Path]:
    """An empty directory under `<cache>/tmp`, deleted unless it was published."""
    tmp = cache_dirs.tmp_dir(root)
    tmp.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-{kind.value}-{version.tag}-", dir=tmp))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _publish(work: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        work.rename(final)
    except OSError:
        # Another setup finished the same directory first: keep theirs.
        if not cache_dirs.is_complete(final):
            raise


def _remove_stale_staging(root: Path) -> None:
    """Delete staging directories of setups that were killed (their process is gone)."""
    tmp = cache_dirs.tmp_dir(root)
    if not tmp.is_dir():
        return
    for entry in tmp.iterdir():
        pid = entry.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]
