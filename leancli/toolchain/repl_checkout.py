"""A built REPL's checkout: the Lean it was built for and what its sources can do.

Read once per REPL binary; discovery copies the facts into its `Discovery`.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from leancli.toolchain import cache_dirs
from leancli.toolchain.versions import LeanVersion, find_toolchain_file, read_toolchain

_WRAPPERS = frozenset({"lake", "env"})
# A structure field: `  incrementality : Option Bool := none`.
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_INCREMENTALITY_FIELD = re.compile(r"^[ \t]+incrementality\s*:", re.MULTILINE)


@dataclass(frozen=True)
class ReplCheckout:
    """`lean_version` from the checkout's lean-toolchain; `supports_incremental` None when
    its sources are not there to tell; `note` what `leancli setup` said when it built it;
    `revision` the commit it was built from (None when neither setup's marker nor a Git
    checkout says), `patches` what setup changed in it."""

    path: Path
    lean_version: LeanVersion | None
    supports_incremental: bool | None
    note: str = ""
    revision: str | None = None
    patches: tuple[str, ...] = ()


def repl_executable(argv: list[str]) -> Path | None:
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


def read_checkout(binary: Path) -> ReplCheckout | None:
    """The checkout `binary` was built in; None when it was not built in one."""
    checkout = _checkout_of(binary)
    if checkout is None:
        return None
    toolchain = read_toolchain(checkout, search_parents=False)
    marker = _read_marker(checkout)
    note = marker.get("note")
    commit = marker.get("commit")
    patches = marker.get("patches")
    return ReplCheckout(
        path=checkout,
        lean_version=toolchain.version if toolchain else None,
        supports_incremental=_incremental_support(checkout),
        note=str(note) if note else "",
        revision=commit if isinstance(commit, str) and commit else git_head(checkout),
        patches=tuple(map(str, patches)) if isinstance(patches, list) else (),
    )


def git_head(checkout: Path) -> str | None:
    """The commit a Git checkout is at, read from its files (no `git` needed): a detached
    HEAD names it, a branch's ref file or packed-refs does; a worktree's `.git` file
    points at its Git directory."""
    git = checkout / ".git"
    try:
        if git.is_file():
            pointer = git.read_text(encoding="utf-8").strip()
            git = (checkout / pointer.removeprefix("gitdir:").strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head if _COMMIT.fullmatch(head) else None
        ref = head.removeprefix("ref:").strip()
        common = git
        if (git / "commondir").is_file():  # a worktree keeps its branches in the main one
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for directory in dict.fromkeys((git, common)):
            if (directory / ref).is_file():
                named = (directory / ref).read_text(encoding="utf-8").strip()
                return named if _COMMIT.fullmatch(named) else None
        packed = (common / "packed-refs").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in packed:
        commit, _, name = line.partition(" ")
        if name == ref and _COMMIT.fullmatch(commit):
            return commit
    return None


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
