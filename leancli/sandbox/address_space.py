"""How much address space a REPL needs, whatever `--memory-limit` says.

Lean maps every .olean file of a header's imports into memory, and those mappings count
toward RLIMIT_AS. A current Mathlib is about 5 GB of .olean files, and `import Mathlib`
(Lean v4.26) fails with an empty answer below about 9 GB of address space (Kimina's
users found it; kimina-lean-server now defaults to 12 GB). So the hard limit never goes
below the size of the .olean files on the project's search path, plus a margin for Lean
itself, and never below 12 GiB for a project that requires Mathlib.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leancli.toolchain.lake import project_requires_mathlib

MIB = 2**20
# Kimina's 9 GB for 5 GB of Mathlib's .olean files: Lean's core library, runtime, heap
# and thread stacks take about 4 GB of address space beyond the files.
MARGIN_MB = 4096
MATHLIB_MINIMUM_MB = 12 * 1024


@dataclass(frozen=True)
class AddressSpaceFloor:
    """The least RLIMIT_AS a REPL gets (`mb`, 0: no floor), and what it comes from."""

    mb: int = 0
    olean_mb: int = 0
    mathlib: bool = False
    searched: tuple[Path, ...] = ()

    def reason(self) -> str:
        parts = []
        if self.searched:
            parts.append(
                f"the .olean files on the search path take {self.olean_mb} MiB, which "
                f"`import` maps into the address space, + {MARGIN_MB} MiB for Lean itself"
            )
        if self.mathlib:
            parts.append(f"at least {MATHLIB_MINIMUM_MB} MiB for a project that requires Mathlib")
        return "; ".join(parts) or "no Lake project or LEAN_PATH to measure .olean files in"


def olean_search_path(project: Path | None, lean_path: str | None = None) -> list[Path]:
    """Where the REPL finds .olean files: in a Lake project (what `lake env` puts on
    LEAN_PATH) the project's and each package's `.lake/build/lib`, else LEAN_PATH."""
    if project is not None:
        packages = project / ".lake" / "packages"
        found = [project / ".lake" / "build" / "lib"]
        if packages.is_dir():
            found += sorted(p / ".lake" / "build" / "lib" for p in packages.iterdir())
        return [directory for directory in found if directory.is_dir()]
    if lean_path:
        return [Path(entry) for entry in lean_path.split(os.pathsep) if Path(entry).is_dir()]
    return []


def olean_bytes(directories: list[Path]) -> int:
    """Total size of the .olean files under `directories` (each counted once)."""
    return sum(_olean_sizes(directories))


def _olean_sizes(directories: list[Path]) -> Iterator[int]:
    seen: set[tuple[int, int]] = set()
    pending = [str(directory) for directory in directories]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.name.endswith(".olean"):
                    stat = entry.stat()
                    if (stat.st_dev, stat.st_ino) not in seen:  # hard links, symlinks
                        seen.add((stat.st_dev, stat.st_ino))
                        yield stat.st_size
            except OSError:
                continue


def address_space_floor(project: Path | None, lean_path: str | None = None) -> AddressSpaceFloor:
    """The floor for REPLs run in `project` (or, without one, on `lean_path`).

    Walks the search path once: meant to be called once per run, not per snippet.
    """
    searched = olean_search_path(project, lean_path)
    mathlib = project is not None and project_requires_mathlib(project)
    if not searched and not mathlib:
        return AddressSpaceFloor()
    olean_mb = -(-olean_bytes(searched) // MIB)
    floor = olean_mb + MARGIN_MB
    if mathlib:
        floor = max(floor, MATHLIB_MINIMUM_MB)
    return AddressSpaceFloor(floor, olean_mb, mathlib, tuple(searched))
