"""Which sources of the REPL to build for a Lean version, and the fix that old sources need.

The REPL (leanprover-community/repl) tags most Lean releases as `vX.Y.Z`, but not all of
them (v4.11.0, v4.12.0, v4.13.0, v4.20.0, v4.20.1, v4.23.0 have none) and none before
v4.3.0. In that order, setup uses:

1. the tag naming the Lean version (a shallow clone);
2. else the newest commit, on any branch, that set `lean-toolchain` to exactly that version
   (a full clone): the commit that adapted the sources to that Lean;
3. else the newest tag for an older Lean, compiled with the user's Lean (a note says so).

Tags before v4.10.0 print each answer without flushing stdout, so through a pipe the answer
waits in Lean's buffer and every request times out. Upstream fixed that in commit 4fc1e6d
("avoid buffering stdout to ensure immediate replies"); setup applies it to older sources,
or when that commit cannot be had, adds the one flush line itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from leancli.toolchain.setup_steps import (
    Progress,
    SetupError,
    git_output,
    run,
    try_run,
    write_toolchain,
)
from leancli.toolchain.versions import TOOLCHAIN_FILE, LeanVersion, TagChoice, Toolchain, pick_tag

OLDEST_REPL_LEAN = LeanVersion(4, 3, 0)
FLUSH_FIX_LEAN = LeanVersion(4, 10, 0)
FLUSH_COMMIT = "4fc1e6d1dda170e8f0a6b698dd5f7e17a9cf52b4"
MAIN_LEAN = Path("REPL") / "Main.lean"

# The REPL ends each answer with a blank line; flushing right after it sends the answer.
_BLANK_LINE_AFTER_ANSWER = re.compile(r'^([ \t]*)IO\.println ""[^\n]*$', re.MULTILINE)
_FLUSHES = re.compile(r"\.flush\b")
_ADDED_FLUSH = "(← IO.getStdout).flush -- leancli: send the answer now, not when the buffer fills"

SourceKind = Literal["tag", "commit", "older tag"]


@dataclass
class ReplSource:
    """The REPL sources checked out: `ref` is the tag or the commit; `version` is the Lean
    they were written for; `commit` is what HEAD ended up at."""

    kind: SourceKind
    ref: str
    version: LeanVersion
    note: str = ""
    patches: list[str] = field(default_factory=list)
    commit: str = ""

    @property
    def tag(self) -> str | None:
        return None if self.kind == "commit" else self.ref

    @property
    def label(self) -> str:
        return f"commit {self.ref[:12]}" if self.kind == "commit" else self.ref

    def describe(self) -> dict[str, object]:
        """For the cache directory's marker: a build from a commit has no `tag`."""
        return {
            "source": self.kind,
            "tag": self.tag,
            "commit": self.commit,
            "note": self.note,
            "patches": self.patches,
        }


def unsupported(wanted: LeanVersion) -> str | None:
    """Why no REPL can be built for `wanted`; None when one can."""
    if wanted >= OLDEST_REPL_LEAN:
        return None
    return (
        f"the Lean REPL exists for Lean {OLDEST_REPL_LEAN.tag} and later only, and Lean "
        f"{wanted.tag} is older: move the project to Lean {OLDEST_REPL_LEAN.tag} or newer "
        "(its lean-toolchain file), or pass --lean with a newer version"
    )


def needs_flush_fix(source_version: LeanVersion, main_lean: str) -> bool:
    """Whether sources for `source_version` with this `REPL/Main.lean` hold answers back.

    The fork's tags for old Lean versions already flush: the source, not the version alone,
    decides."""
    return source_version < FLUSH_FIX_LEAN and not _FLUSHES.search(main_lean)


def insert_flush(main_lean: str) -> str | None:
    """`REPL/Main.lean` flushing stdout after each answer's closing blank line; None unless
    there is exactly one such line to put the flush after."""
    found = list(_BLANK_LINE_AFTER_ANSWER.finditer(main_lean))
    if len(found) != 1:
        return None
    [line] = found
    indent = line.group(1)
    return f"{main_lean[: line.end()]}\n{indent}{_ADDED_FLUSH}{main_lean[line.end() :]}"


def names_version(toolchain_text: str, wanted: LeanVersion) -> bool:
    """Whether a `lean-toolchain` file's text pins exactly Lean `wanted`."""
    return Toolchain.parse(toolchain_text).version == wanted


def check_out(
    work: Path,
    url: str,
    tags: Iterable[str],
    wanted: LeanVersion,
    environ: Mapping[str, str],
    progress: Progress,
) -> ReplSource:
    """Clone `url` into the empty directory `work` at the sources for Lean `wanted`, with
    the stdout fix applied when they need it and `lean-toolchain` naming `wanted`."""
    choice = pick_tag(tags, wanted)
    if choice is not None and choice.exact:
        _shallow_clone(url, choice.tag, work, environ, progress)
        source = ReplSource(kind="tag", ref=choice.tag, version=wanted)
    else:
        source = _untagged_source(work, url, wanted, choice, environ, progress)
    if source.note:
        progress.note(source.note)
    _fix_flush(work, source, environ, progress)
    if source.version != wanted:
        # The older sources, compiled by the user's Lean, so that the REPL reads the
        # user's .olean files.
        write_toolchain(work, wanted)
    source.commit = (git_output(["rev-parse", "HEAD"], work, environ) or "").strip()
    return source


def newest_commit_for(work: Path, wanted: LeanVersion, environ: Mapping[str, str]) -> str | None:
    """The newest commit of the clone `work` (any branch) that set `lean-toolchain` to
    exactly `wanted`.

    Only commits that change the file count: those are the ones that adapted the sources to
    a Lean version, where later commits on a branch left at that version may be unfinished
    work on something else."""
    log = git_output(["log", "--all", "--format=%H", "--", TOOLCHAIN_FILE], work, environ)
    if log is None:
        raise SetupError(f"cannot read the history of {work}: `git log` failed")
    for commit in log.split():
        text = git_output(["show", f"{commit}:{TOOLCHAIN_FILE}"], work, environ)
        if text is not None and names_version(text, wanted):
            return commit
    return None


def _untagged_source(
    work: Path,
    url: str,
    wanted: LeanVersion,
    older: TagChoice | None,
    environ: Mapping[str, str],
    progress: Progress,
) -> ReplSource:
    title = f"Cloning {url} with its history (it has no tag {wanted.tag})"
    run(["git", "clone", "--progress", url, str(work)], None, environ, progress, title, url)
    commit = newest_commit_for(work, wanted, environ)
    if commit is not None:
        note = (
            f"no REPL tag for Lean {wanted.tag}; using commit {commit[:12]} of {url}, the "
            f"newest that set its lean-toolchain to {wanted.tag}"
        )
        source = ReplSource(kind="commit", ref=commit, version=wanted, note=note)
    elif older is not None:
        note = (
            f"no REPL tag for Lean {wanted.tag} and no commit whose lean-toolchain names it; "
            f"using the older tag {older.tag} (for Lean {older.version.tag}), built with your "
            f"toolchain {wanted.tag}"
        )
        source = ReplSource(kind="older tag", ref=older.tag, version=older.version, note=note)
    else:
        raise SetupError(
            f"{url} has no REPL tag for Lean {wanted.tag} or older, and no commit whose "
            f"lean-toolchain names {wanted.tag}"
        )
    argv = ["git", "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach"]
    run([*argv, source.ref], work, environ, progress, f"Checking out {source.label}")
    return source


def _shallow_clone(
    url: str, tag: str, work: Path, environ: Mapping[str, str], progress: Progress
) -> None:
    argv = ["git", "-c", "advice.detachedHead=false", "clone", "--progress", "--depth", "1"]
    argv += ["--branch", tag, url, str(work)]
    run(argv, None, environ, progress, f"Cloning {url} at {tag}", network=url)


def _fix_flush(
    work: Path, source: ReplSource, environ: Mapping[str, str], progress: Progress
) -> None:
    main = work / MAIN_LEAN
    text = main.read_text(encoding="utf-8") if main.is_file() else ""
    if not needs_flush_fix(source.version, text):
        return
    if _cherry_pick_flush(work, environ, progress):
        how = f"cherry-picked upstream commit {FLUSH_COMMIT[:7]}"
    else:
        patched = insert_flush(text)
        if patched is None:
            raise SetupError(
                f"{source.label} of the REPL does not flush stdout after each answer (upstream "
                f"commit {FLUSH_COMMIT[:7]}, in {FLUSH_FIX_LEAN.tag} and later, does), so every "
                f"request would time out; the commit does not apply and {MAIN_LEAN} has no "
                'single `IO.println ""` line to add the flush after. Nothing was kept; use a '
                f"toolchain of Lean {FLUSH_FIX_LEAN.tag} or later"
            )
        main.write_text(patched, encoding="utf-8")
        how = f"added a flush after each answer in {MAIN_LEAN}"
    source.patches.append(f"stdout flushed after each answer ({how})")
    progress.note(
        f"{source.label} predates the REPL's stdout flush after each answer (upstream commit "
        f"{FLUSH_COMMIT[:7]}, in {FLUSH_FIX_LEAN.tag} and later), without which every "
        f"request would time out: {how}"
    )


def _cherry_pick_flush(work: Path, environ: Mapping[str, str], progress: Progress) -> bool:
    short = FLUSH_COMMIT[:7]
    if git_output(["cat-file", "-e", f"{FLUSH_COMMIT}^{{commit}}"], work, environ) is None:
        # A shallow clone lacks it: fetch it with its parent, which cherry-pick diffs against.
        fetch = ["git", "fetch", "--quiet", "--depth", "2", "origin", FLUSH_COMMIT]
        try_run(fetch, work, environ, progress, f"Fetching upstream commit {short}")
    pick = ["git", "cherry-pick", "--no-commit", FLUSH_COMMIT]
    if try_run(pick, work, environ, progress, f"Applying upstream commit {short}"):
        return True
    # Undo what a conflicting cherry-pick left, so that the textual edit starts clean.
    git_output(["reset", "--quiet", "--hard", "HEAD"], work, environ)
    return False
