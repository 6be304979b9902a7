"""Lean versions and toolchains (pure): parsing, ordering, REPL tags and the feature table."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path

TOOLCHAIN_FILE = "lean-toolchain"

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?")
_LEAN_VERSION_OUTPUT = re.compile(r"Lean\s+\(?version\s+([^,)\s]+)")
# The fork (augustepoiroux/repl) tags one commit per Lean version: `v1.0.14_lean-toolchain-v4.22.0`.
_FORK_TAG = re.compile(r"(?P<repl>[^_]+)_lean-toolchain-(?P<lean>v?\d.*)")


@total_ordering
@dataclass(frozen=True)
class LeanVersion:
    """A Lean release such as 4.19.0 or 4.20.0-rc2; a prerelease sorts before its release."""

    major: int
    minor: int
    patch: int
    pre: str = ""

    @classmethod
    def parse(cls, text: str) -> LeanVersion | None:
        """`v4.19.0`, `4.19.0`, `v4.33.0-rc2`; None for anything else (`stable`, nightlies)."""
        match = _VERSION.fullmatch(text.strip())
        if match is None:
            return None
        major, minor, patch, pre = match.groups()
        return cls(int(major), int(minor), int(patch), pre or "")

    @property
    def tag(self) -> str:
        """The git tag naming this version in the REPL and Mathlib repositories."""
        return f"v{self}"

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.pre}" if self.pre else core

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A release (no suffix) sorts after all of its prereleases; within a suffix,
        # numeric parts compare as numbers so that rc10 > rc9.
        pre = tuple(
            (1, int(part), "") if part.isdigit() else (0, 0, part)
            for part in re.findall(r"\d+|[^\d.-]+", self.pre)
        )
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, LeanVersion):
            return NotImplemented
        return self._key() < other._key()


@dataclass(frozen=True)
class Toolchain:
    """The content of a `lean-toolchain` file; `version` is None for channels like `stable`."""

    name: str
    version: LeanVersion | None
    path: Path | None = None

    @classmethod
    def parse(cls, text: str, path: Path | None = None) -> Toolchain:
        """`leanprover/lean4:v4.19.0`, `v4.19.0`, `stable`, `leanprover/lean4:nightly`..."""
        name = text.strip()
        channel = name.rsplit(":", 1)[-1]
        return cls(name=name, version=LeanVersion.parse(channel), path=path)


def find_toolchain_file(start: Path) -> Path | None:
    """The `lean-toolchain` that elan would use in `start`: the nearest one upwards."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / TOOLCHAIN_FILE
        if candidate.is_file():
            return candidate
    return None


def read_toolchain(directory: Path, search_parents: bool = True) -> Toolchain | None:
    """The toolchain pinned for `directory`, or None when no `lean-toolchain` applies."""
    if search_parents:
        path = find_toolchain_file(directory)
    else:
        path = directory / TOOLCHAIN_FILE
        path = path if path.is_file() else None
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return Toolchain.parse(text, path=path)


def parse_lean_version_output(output: str) -> LeanVersion | None:
    """Parse `Lean (version 4.19.0, x86_64-unknown-linux-gnu, commit abc, Release)`.

    Also reads the Lean version in `lake --version` output ("... (Lean version 4.19.0)").
    """
    match = _LEAN_VERSION_OUTPUT.search(output)
    return LeanVersion.parse(match.group(1)) if match else None


@dataclass(frozen=True)
class TagChoice:
    """The REPL tag to build for a Lean version; `note` explains a fallback."""

    tag: str
    version: LeanVersion
    exact: bool
    note: str = ""


def tag_version(tag: str) -> tuple[LeanVersion, LeanVersion | None] | None:
    """The Lean version a tag targets and, for fork tags, the REPL's own version."""
    fork = _FORK_TAG.fullmatch(tag)
    if fork is not None:
        lean = LeanVersion.parse(fork.group("lean"))
        return (lean, LeanVersion.parse(fork.group("repl"))) if lean else None
    lean = LeanVersion.parse(tag)
    return (lean, None) if lean else None


def pick_tag(tags: Iterable[str], wanted: LeanVersion) -> TagChoice | None:
    """The tag for `wanted`, else the newest tag for an older Lean (with a note); None if none.

    Among several tags for the same Lean version (the fork's), the newest REPL wins.
    """
    best: dict[LeanVersion, tuple[LeanVersion | None, str]] = {}
    for tag in tags:
        parsed = tag_version(tag)
        if parsed is None:
            continue
        lean, repl = parsed
        current = best.get(lean)
        if current is None or _repl_newer(repl, current[0]):
            best[lean] = (repl, tag)
    if wanted in best:
        return TagChoice(tag=best[wanted][1], version=wanted, exact=True)
    older = [version for version in best if version < wanted]
    if not older:
        return None
    chosen = max(older)
    note = (
        f"no REPL tag for Lean {wanted.tag}; using {best[chosen][1]} (for Lean {chosen.tag}), "
        f"built with your toolchain {wanted.tag}"
    )
    return TagChoice(tag=best[chosen][1], version=chosen, exact=False, note=note)


def _repl_newer(candidate: LeanVersion | None, current: LeanVersion | None) -> bool:
    if candidate is None:
        return False
    return current is None or candidate > current


@dataclass(frozen=True)
class Feature:
    """An optional Lean feature and the first version that has it."""

    name: str
    since: LeanVersion
    description: str


ELAB_ASYNC = Feature(
    name="Elab.async",
    since=LeanVersion(4, 19, 0),
    description="elaborate proofs in parallel (--elab-async)",
)
FEATURES: tuple[Feature, ...] = (ELAB_ASYNC,)


def supports(version: LeanVersion, feature: Feature) -> bool:
    """Whether Lean `version` has `feature` (a prerelease of the first version does not)."""
    return version >= feature.since


def supports_elab_async(version: LeanVersion) -> bool:
    """Whether the `Elab.async` option exists (Lean v4.19.0 and later)."""
    return supports(version, ELAB_ASYNC)


def elab_async_refusal(version: LeanVersion | None) -> str | None:
    """The message refusing `--elab-async` on `version`; None when allowed or unknown."""
    if version is None or supports_elab_async(version):
        return None
    return (
        f"--elab-async needs Lean {ELAB_ASYNC.since.tag} or later, but the REPL runs Lean "
        f"{version.tag}; drop --elab-async or move the project to a newer toolchain"
    )
