"""Find the Lean REPL that `leancli check` should run, and say what is wrong when there is none.

Order: `--repl`, then `$LEANCLI_REPL`, then the leancli cache (`leancli setup`) for the
toolchain of the project or current directory, then a REPL inside the project.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from leancli import cache_dirs, simulated
from leancli.cache_dirs import Kind
from leancli.options import ReplSpec
from leancli.toolchain import (
    LeanVersion,
    Toolchain,
    find_toolchain_file,
    parse_lean_version_output,
    read_toolchain,
    supports_elab_async,
)

Source = Literal["--repl", "LEANCLI_REPL", "cache", "project"]
Severity = Literal["error", "warning"]

ELAN_INSTALL = (
    "curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh"
)
PROBE_TIMEOUT = 60.0
_WRAPPERS = frozenset({"lake", "env"})
# A structure field: `  incrementality : Option Bool := none`.
_INCREMENTALITY_FIELD = re.compile(r"^[ \t]+incrementality\s*:", re.MULTILINE)


@dataclass(frozen=True)
class Problem:
    """Something that stops (`error`) or degrades (`warning`) a check, and its fix."""

    message: str
    fix: str = ""
    severity: Severity = "error"


@dataclass
class Discovery:
    """The REPL to run and what is known about it.

    `repl_version` is the Lean the REPL was built for (read from its checkout);
    `toolchain_version` is the Lean of the project or current directory.
    """

    spec: ReplSpec | None = None
    source: Source | None = None
    repl_path: Path | None = None
    repl_version: LeanVersion | None = None
    toolchain: Toolchain | None = None
    toolchain_version: LeanVersion | None = None
    supports_incremental: bool | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def lean_version(self) -> LeanVersion | None:
        """The Lean version the REPL runs, as well as it is known."""
        return self.repl_version or self.toolchain_version

    @property
    def supports_elab_async(self) -> bool | None:
        version = self.lean_version
        return None if version is None else supports_elab_async(version)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


def discover_repl(
    repl: str | None,
    project: Path | None,
    environ: Mapping[str, str] = os.environ,
    *,
    incremental: bool = False,
    cwd: Path | None = None,
) -> Discovery:
    """Find the REPL that `check` would use; `incremental` prefers the fork's REPL.

    Runs `lean --version` only when the toolchain is not pinned to a version.
    """
    here = (project or cwd or Path.cwd()).resolve()
    project = project.resolve() if project is not None else None
    found = Discovery()
    _resolve_toolchain(found, here, environ)
    command, source = _explicit_command(repl, environ)
    if command is not None and source is not None:
        _use_command(found, command, source, project)
    elif not _use_cache(found, project, environ, incremental) and not (
        project is not None and _use_project_repl(found, project)
    ):
        _nothing_found(found, project, here, environ, incremental)
    _check_versions(found, project)
    if project is not None:
        found.problems.extend(project_problems(project))
    return found


def setup_command(project: Path | None, *, fork: bool = False, mathlib: bool = False) -> str:
    """The exact `leancli setup` invocation that provides a REPL for `project`."""
    parts = ["leancli", "setup"]
    if project is not None:
        parts += ["--project", str(project)]
    if fork:
        parts.append("--fork")
    if mathlib:
        parts.append("--mathlib")
    return shlex.join(parts)


def in_dir(directory: Path, command: str) -> str:
    """A shell command that runs `command` in `directory`."""
    return f"cd {shlex.quote(str(directory))} && {command}"


def which(name: str, environ: Mapping[str, str]) -> str | None:
    return shutil.which(name, path=environ.get("PATH", os.defpath))


def probe(
    argv: list[str], cwd: Path, environ: Mapping[str, str], timeout: float = PROBE_TIMEOUT
) -> tuple[bool, str]:
    """Run a short command; (succeeded, its stdout and stderr), never raising."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=dict(environ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return False, f"{shlex.join(argv)} did not finish within {timeout:.0f} s"
    except OSError as exc:
        return False, f"{shlex.join(argv)} could not run: {exc}"
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def lean_version_in(directory: Path, environ: Mapping[str, str]) -> LeanVersion | None:
    """The version `lean --version` reports in `directory` (elan picks the toolchain there)."""
    if which("lean", environ) is None:
        return None
    ok, output = probe(["lean", "--version"], directory, environ)
    return parse_lean_version_output(output) if ok else None


# --- the steps of discover_repl ------------------------------------------------------------


def _resolve_toolchain(found: Discovery, here: Path, environ: Mapping[str, str]) -> None:
    found.toolchain = read_toolchain(here)
    if found.toolchain is not None and found.toolchain.version is not None:
        found.toolchain_version = found.toolchain.version
        return
    # A channel (`stable`) or no file: ask elan's `lean`, which resolves it.
    found.toolchain_version = lean_version_in(here, environ)


def _explicit_command(
    repl: str | None, environ: Mapping[str, str]
) -> tuple[str | None, Source | None]:
    if repl:
        return repl, "--repl"
    if environ.get("LEANCLI_REPL"):
        return environ["LEANCLI_REPL"], "LEANCLI_REPL"
    return None, None


def _use_command(found: Discovery, command: str, source: Source, project: Path | None) -> None:
    if simulated.is_simulated(command):
        found.spec = ReplSpec(argv=simulated.argv(), cwd=None, source=source)
        found.source = source
        found.notes.append(f"{source} {simulated.NAME}: {simulated.NOTE}")
        return
    try:
        found.spec = ReplSpec.from_command(command, project, source)
    except ValueError as exc:
        fix = "unset LEANCLI_REPL" if source == "LEANCLI_REPL" else ""
        found.problems.append(Problem(f"{source}: {exc}", fix=fix))
        return
    found.source = source
    found.repl_path = _repl_executable(shlex.split(command))
    if found.repl_path is not None:
        _describe_checkout(found, found.repl_path)


def _use_cache(
    found: Discovery,
    project: Path | None,
    environ: Mapping[str, str],
    incremental: bool,
) -> bool:
    version = found.toolchain_version
    if version is None:
        return False
    root = cache_dirs.cache_root(environ)
    kinds = [Kind.REPL_FORK, Kind.REPL] if incremental else [Kind.REPL, Kind.REPL_FORK]
    for kind in kinds:
        directory = cache_dirs.version_dir(root, kind, version)
        binary = cache_dirs.repl_binary(directory)
        if cache_dirs.is_complete(directory) and binary.is_file():
            found.source = "cache"
            found.spec = ReplSpec(
                argv=("lake", "env", str(binary)),
                cwd=project or _cache_run_dir(root, version, directory),
                source="cache",
            )
            found.repl_path = binary
            _describe_checkout(found, binary)
            return True
    return False


def _cache_run_dir(root: Path, version: LeanVersion, repl_dir: Path) -> Path:
    # Without a project the REPL runs in the cached Mathlib project when there is one (so
    # that `import Mathlib` works), else in its own checkout: either pins the right `lean`.
    mathlib = cache_dirs.version_dir(root, Kind.MATHLIB, version)
    return mathlib if cache_dirs.is_complete(mathlib) else repl_dir


def _use_project_repl(found: Discovery, project: Path) -> bool:
    for checkout in _project_repl_checkouts(project):
        binary = cache_dirs.repl_binary(checkout)
        if binary.is_file():
            found.source = "project"
            found.spec = ReplSpec(argv=("lake", "env", str(binary)), cwd=project, source="project")
            found.repl_path = binary
            _describe_checkout(found, binary)
            return True
        target = "repl" if checkout == project else f"{checkout.name}/repl"
        found.problems.append(
            Problem(
                f"the REPL in {checkout} is not built",
                fix=in_dir(project, f"lake build {target}"),
            )
        )
    return False


def _project_repl_checkouts(project: Path) -> list[Path]:
    """REPL sources in a project: a `repl` package, or the project being a REPL checkout."""
    checkouts = []
    packages = project / ".lake" / "packages"
    if packages.is_dir():
        checkouts += sorted(p for p in packages.iterdir() if p.name.lower() == "repl")
    if (project / "REPL" / "Main.lean").is_file() or cache_dirs.repl_binary(project).is_file():
        checkouts.append(project)
    return checkouts


def _nothing_found(
    found: Discovery,
    project: Path | None,
    here: Path,
    environ: Mapping[str, str],
    incremental: bool,
) -> None:
    fix = setup_command(project, fork=incremental)
    if found.toolchain_version is None:
        found.problems.append(_unknown_toolchain(here, environ))
    root = cache_dirs.cache_root(environ)
    others = sorted(
        {
            version.tag
            for kind in (Kind.REPL, Kind.REPL_FORK)
            for version in cache_dirs.installed_versions(root, kind)
        }
    )
    wanted = f" for Lean {found.toolchain_version.tag}" if found.toolchain_version else ""
    cached = f" (the cache has REPLs for {', '.join(others)} only)" if others else ""
    found.problems.append(
        Problem(
            f"no Lean REPL found{wanted}: none given with --repl or LEANCLI_REPL, "
            f"none in the leancli cache{cached}"
            + ("" if project is None else f", none built in {project}"),
            fix=fix,
        )
    )


def _unknown_toolchain(here: Path, environ: Mapping[str, str]) -> Problem:
    if which("lean", environ) is None:
        return Problem(
            f"cannot tell the Lean version: no lean-toolchain in {here} or above, "
            "and no `lean` on PATH (install elan, the Lean toolchain manager)",
            fix=ELAN_INSTALL,
        )
    return Problem(
        f"cannot tell the Lean version in {here}: `lean --version` failed",
        fix=in_dir(here, "lean --version"),
    )


def _check_versions(found: Discovery, project: Path | None) -> None:
    built, wanted = found.repl_version, found.toolchain_version
    if found.spec is None or built is None or wanted is None or built == wanted:
        return
    where = f"the project {project}" if project else "this directory"
    hint = {
        "--repl": " (then drop --repl)",
        "LEANCLI_REPL": " (then unset LEANCLI_REPL)",
    }.get(found.source or "", "")
    found.problems.append(
        Problem(
            f"the REPL was built for Lean {built.tag} but {where} uses Lean {wanted.tag}: "
            f"its imports would fail; build a matching REPL{hint}",
            fix=setup_command(project),
        )
    )


# --- the REPL's checkout ---------------------------------------------------------------


def _repl_executable(argv: list[str]) -> Path | None:
    """The REPL binary named by a command such as `lake env ../repl/.lake/build/bin/repl`."""
    while argv and Path(argv[0]).name in _WRAPPERS:
        argv = argv[2:] if Path(argv[0]).name == "lake" and argv[1:2] == ["env"] else argv[1:]
    if not argv:
        return None
    path = Path(argv[0]).expanduser()
    if path.is_file():
        return path.resolve()
    located = shutil.which(argv[0]) if "/" not in argv[0] else None
    return Path(located).resolve() if located else None


def _describe_checkout(found: Discovery, binary: Path) -> None:
    """Read the REPL's Lean version and features from the checkout it was built in."""
    checkout = _checkout_of(binary)
    if checkout is None:
        return
    toolchain = read_toolchain(checkout, search_parents=False)
    found.repl_version = toolchain.version if toolchain else None
    found.supports_incremental = _incremental_support(checkout)
    marker = _read_marker(checkout)
    if note := marker.get("note"):
        found.notes.append(f"{checkout}: {note}")


def _checkout_of(binary: Path) -> Path | None:
    # A Lake build puts the binary at <checkout>/.lake/build/bin/repl.
    if binary.parent.name == "bin" and binary.parent.parent.parent.name == ".lake":
        return binary.parents[3]
    toolchain_file = find_toolchain_file(binary.parent)
    return toolchain_file.parent if toolchain_file else None


def _incremental_support(checkout: Path) -> bool | None:
    """Whether the REPL takes a command's `incrementality` field (reuse of the elaboration
    states of a shared prefix); None when its sources are not there to tell.

    LeanInteract's fork declares that field in REPL/JSON.lean from its tag v1.3.3 on; older
    fork builds, like the upstream REPL, ignore the field without a word. So the sources
    decide, not which repository or marker the checkout came with."""
    try:
        text = (checkout / "REPL" / "JSON.lean").read_text("utf-8", errors="replace")
    except OSError:
        return None
    return _INCREMENTALITY_FIELD.search(text) is not None


def _read_marker(checkout: Path) -> dict[str, object]:
    try:
        data = json.loads((checkout / cache_dirs.MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- the project's packages --------------------------------------------------------------


def project_problems(project: Path) -> list[Problem]:
    """Whether the project's dependencies are fetched and built (Mathlib's build cache)."""
    if not project.is_dir():
        return [Problem(f"the project directory {project} does not exist")]
    manifest = _read_manifest(project)
    if manifest is None:
        if _lakefile_requires(project):
            return [
                Problem(
                    f"the packages of {project} are not fetched (no lake-manifest.json)",
                    fix=in_dir(project, _fetch_command(project)),
                )
            ]
        return []
    return _package_problems(project, manifest)


def project_requires_mathlib(project: Path) -> bool:
    manifest = _read_manifest(project)
    if manifest is not None:
        return any(name.lower() == "mathlib" for name in _manifest_packages(manifest))
    return "mathlib" in _lakefile_text(project).lower()


def mathlib_built(package_dir: Path) -> bool:
    """Whether Mathlib's .olean files are there (new and old Lake layouts)."""
    build = package_dir / ".lake" / "build" / "lib"
    return (build / "lean" / "Mathlib.olean").is_file() or (build / "Mathlib.olean").is_file()


def _package_problems(project: Path, manifest: dict[str, object]) -> list[Problem]:
    packages_dir = project / str(manifest.get("packagesDir") or ".lake/packages")
    missing = [
        name
        for name, kind in _manifest_packages(manifest).items()
        if kind == "git" and not (packages_dir / name).is_dir()
    ]
    problems = []
    if missing:
        problems.append(
            Problem(
                f"packages of {project} are not fetched: {', '.join(sorted(missing))}",
                fix=in_dir(project, _fetch_command(project)),
            )
        )
    mathlib = next((n for n in _manifest_packages(manifest) if n.lower() == "mathlib"), None)
    if mathlib and mathlib not in missing and not mathlib_built(packages_dir / mathlib):
        problems.append(
            Problem(
                f"Mathlib in {project} is not built: `import Mathlib` would fail",
                fix=in_dir(project, "lake exe cache get"),
            )
        )
    return problems


def _fetch_command(project: Path) -> str:
    return "lake exe cache get" if project_requires_mathlib(project) else "lake build"


def _read_manifest(project: Path) -> dict[str, object] | None:
    try:
        data = json.loads((project / "lake-manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _manifest_packages(manifest: dict[str, object]) -> dict[str, str]:
    """Package name to its kind (`git`, `path`) as listed in lake-manifest.json."""
    packages = manifest.get("packages")
    if not isinstance(packages, list):
        return {}
    named = {}
    for entry in packages:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            named[str(entry["name"])] = str(entry.get("type", "git"))
    return named


def _lakefile_text(project: Path) -> str:
    texts = []
    for name in ("lakefile.toml", "lakefile.lean"):
        path = project / name
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def _lakefile_requires(project: Path) -> bool:
    text = _lakefile_text(project)
    return "[[require]]" in text or "require " in text
