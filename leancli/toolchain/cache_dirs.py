"""Where `leancli setup` keeps what it builds: one complete directory per kind and version.

Layout under the cache root (`$LEANCLI_CACHE_DIR`, else `$XDG_CACHE_HOME/leancli`, else
`~/.cache/leancli`):

    repl/<version>/        leanprover-community/repl checkout, built: .lake/build/bin/repl
    repl-fork/<version>/   augustepoiroux/repl checkout, built the same way
    mathlib/<version>/     a small Lake project that requires Mathlib, with its build cache
    tmp/                   directories being built; moved into place only when complete

`<version>` is the Lean version built for (`v4.19.0`), whatever the sources came from. A
version directory exists only once complete (it is renamed into place), and holds
`leancli-setup.json` describing what was built: `source` is `tag`, `commit` (then `tag` is
null) or `older tag`, `commit` the commit built, `patches` what setup changed in it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from enum import Enum
from pathlib import Path

from leancli.toolchain.versions import LeanVersion

MARKER = "leancli-setup.json"
REPL_BINARY = Path(".lake/build/bin/repl")


class Kind(str, Enum):
    REPL = "repl"
    REPL_FORK = "repl-fork"
    MATHLIB = "mathlib"
    CHECKER = "lean4checker"  # `leancli setup --checker`, for Lean before v4.28.0


def cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    """The leancli cache directory (it may not exist yet)."""
    if override := environ.get("LEANCLI_CACHE_DIR"):
        return Path(override).expanduser()
    if xdg := environ.get("XDG_CACHE_HOME"):
        return Path(xdg).expanduser() / "leancli"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "leancli"
    return Path.home() / ".cache" / "leancli"


def version_dir(root: Path, kind: Kind, version: LeanVersion) -> Path:
    return root / kind.value / version.tag


def tmp_dir(root: Path) -> Path:
    return root / "tmp"


def is_complete(directory: Path) -> bool:
    """Whether `directory` was moved into place by a finished `leancli setup`."""
    return (directory / MARKER).is_file()


def repl_binary(directory: Path) -> Path:
    return directory / REPL_BINARY


def installed_versions(root: Path, kind: Kind) -> list[LeanVersion]:
    """Versions with a complete directory of `kind`, oldest first."""
    base = root / kind.value
    if not base.is_dir():
        return []
    found = []
    for child in base.iterdir():
        version = LeanVersion.parse(child.name)
        if version is not None and is_complete(child):
            found.append(version)
    return sorted(found)
