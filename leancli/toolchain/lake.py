"""A Lake project as leancli needs it: its manifest, its packages, whether Mathlib is built.

`read_project` reads lake-manifest.json and the lakefile once; discovery's problems and
doctor's rows are all answered from the `LakeProject` it returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from leancli.errors import ConfigError
from leancli.toolchain.problem import Problem, in_dir


def require_project_dir(project: Path | None) -> None:
    """`--project` names a directory (ConfigError naming the option otherwise)."""
    if project is not None and not project.is_dir():
        raise ConfigError("project", f"{project}: no such directory")


MANIFEST = "lake-manifest.json"
LAKEFILES = ("lakefile.toml", "lakefile.lean")
DEFAULT_PACKAGES_DIR = ".lake/packages"


@dataclass(frozen=True)
class LakeProject:
    """What a project directory holds. `packages` maps each package of the manifest to
    its kind (`git`, `path`); it is None when there is no readable manifest."""

    path: Path
    manifest_found: bool = False
    packages: Mapping[str, str] | None = None
    packages_dir: Path = field(default_factory=Path)
    lakefile: str = ""

    @property
    def requires_mathlib(self) -> bool:
        if self.packages is not None:
            return self.mathlib_package is not None
        return "mathlib" in self.lakefile.lower()

    @property
    def mathlib_package(self) -> str | None:
        """Mathlib's name in the manifest (its case varies)."""
        return next((name for name in self.packages or {} if name.lower() == "mathlib"), None)

    @property
    def mathlib_dir(self) -> Path:
        return self.packages_dir / (self.mathlib_package or "mathlib")

    @property
    def mathlib_built(self) -> bool | None:
        """Whether Mathlib's .olean files are there; None when the project needs no Mathlib."""
        return mathlib_built(self.mathlib_dir) if self.requires_mathlib else None

    @property
    def has_requirements(self) -> bool:
        return "[[require]]" in self.lakefile or "require " in self.lakefile

    @property
    def fetch_command(self) -> str:
        """What fetches the packages: Mathlib's build cache, or a plain build."""
        return "lake exe cache get" if self.requires_mathlib else "lake build"


def read_project(path: Path) -> LakeProject:
    """The manifest and lakefile of `path`, read once (a missing directory has neither)."""
    manifest = _read_manifest(path)
    packages_dir = manifest.get("packagesDir") if manifest else None
    return LakeProject(
        path=path,
        manifest_found=(path / MANIFEST).is_file(),
        packages=None if manifest is None else _manifest_packages(manifest),
        packages_dir=path / str(packages_dir or DEFAULT_PACKAGES_DIR),
        lakefile=_lakefile_text(path),
    )


def project_requires_mathlib(path: Path) -> bool:
    return read_project(path).requires_mathlib


def mathlib_built(package_dir: Path) -> bool:
    """Whether Mathlib's .olean files are there (new and old Lake layouts)."""
    build = package_dir / ".lake" / "build" / "lib"
    return (build / "lean" / "Mathlib.olean").is_file() or (build / "Mathlib.olean").is_file()


def project_problems(project: LakeProject) -> list[Problem]:
    """Whether the project's dependencies are fetched and built (Mathlib's build cache)."""
    try:
        require_project_dir(project.path)
    except ConfigError as exc:
        return [Problem(str(exc))]
    fetch = in_dir(project.path, project.fetch_command)
    if project.packages is None:
        if project.has_requirements:
            return [
                Problem(
                    f"the packages of {project.path} are not fetched (no {MANIFEST})", fix=fetch
                )
            ]
        return []
    missing = sorted(
        name
        for name, kind in project.packages.items()
        if kind == "git" and not (project.packages_dir / name).is_dir()
    )
    problems = []
    if missing:
        problems.append(
            Problem(f"packages of {project.path} are not fetched: {', '.join(missing)}", fix=fetch)
        )
    mathlib = project.mathlib_package
    if mathlib and mathlib not in missing and not mathlib_built(project.mathlib_dir):
        problems.append(
            Problem(
                f"Mathlib in {project.path} is not built: `import Mathlib` would fail",
                fix=in_dir(project.path, "lake exe cache get"),
            )
        )
    return problems


def manifest_revisions(project: Path) -> dict[str, str] | None:
    """Each package's revision (`rev`) as lake-manifest.json pins it; None without a
    readable manifest."""
    manifest = _read_manifest(project)
    if manifest is None:
        return None
    packages = manifest.get("packages")
    revisions = {}
    for entry in packages if isinstance(packages, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            revisions[str(entry["name"])] = str(entry.get("rev") or "")
    return revisions


def _read_manifest(project: Path) -> dict[str, object] | None:
    try:
        data = json.loads((project / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _manifest_packages(manifest: Mapping[str, object]) -> dict[str, str]:
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
    for name in LAKEFILES:
        path = project / name
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)
