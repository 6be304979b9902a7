"""Stand-ins for a Lean toolchain and the REPL's git remotes, so that setup and doctor run
for real without Lean or a network.

- `elan`, `lean`, `lake` are small Python scripts on a private PATH. Like elan's proxies,
  `lean` and `lake` report the version in the nearest `lean-toolchain`. `lake build` makes
  `.lake/build/bin/repl` (which runs tests/helpers/fake_repl.py), `lake update` clones the Mathlib
  of a `require mathlib from git URL @ TAG` line, `lake exe cache get` drops Mathlib.olean,
  and `lake env CMD` runs CMD.
- `git` is a wrapper that logs each call, then runs the real git.
- Every call is logged (one line: tool, arguments, directory) to `StubToolchain.log`.
- Remotes are local bare repositories with tags, reached by path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from leancli.toolchain.cache_dirs import MARKER, Kind, version_dir
from leancli.toolchain.versions import LeanVersion

HERE = Path(__file__).resolve().parent
FAKE_REPL = HERE / "fake_repl.py"
_REPL_SCRIPT = f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_REPL}" --model "$@"\n'
REAL_GIT = shutil.which("git") or "/usr/bin/git"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "stub",
    "GIT_AUTHOR_EMAIL": "stub@example.invalid",
    "GIT_COMMITTER_NAME": "stub",
    "GIT_COMMITTER_EMAIL": "stub@example.invalid",
}

_PRELUDE = f"""#!{sys.executable}
import os, re, subprocess, sys
from pathlib import Path

def log(tool):
    with open(os.environ["STUB_LOG"], "a") as handle:
        handle.write(tool + " " + " ".join(sys.argv[1:]) + " @ " + os.getcwd() + "\\n")

def toolchain_version():
    here = Path.cwd()
    for directory in (here, *here.parents):
        pinned = directory / "lean-toolchain"
        if pinned.is_file():
            channel = pinned.read_text().strip().rsplit(":", 1)[-1]
            if channel == "stable":
                return os.environ.get("STUB_STABLE_LEAN", "4.19.0")
            return channel.lstrip("v")
    return os.environ.get("STUB_DEFAULT_LEAN", "4.19.0")
"""

_ELAN = (
    _PRELUDE
    + """
log("elan")
print("elan 4.1.2 (stub 2025-01-01)")
"""
)

_LEAN = (
    _PRELUDE
    + """
log("lean")
if os.environ.get("STUB_LEAN_FAIL"):
    print("error: toolchain 'leanprover/lean4:v9.9.9' is not installed", file=sys.stderr)
    sys.exit(1)
if sys.argv[1:] == ["--version"]:
    print(f"Lean (version {toolchain_version()}, x86_64-unknown-linux-gnu, commit stub, Release)")
elif sys.argv[1:] == ["--print-prefix"]:
    print("/opt/stub-lean")
else:
    sys.exit(2)
"""
)

_LAKE = (
    _PRELUDE
    + """
log("lake")
args = sys.argv[1:]
root = Path.cwd()

def build():
    for step in ("REPL.JSON", "REPL.Frontend", "REPL.Main"):
        print(f"✔ [1/3] Built {step}", flush=True)
    if os.environ.get("STUB_LAKE_BUILD_FAIL"):
        print("error: REPL/Main.lean:1:0: unknown package 'Lean'", flush=True)
        sys.exit(1)
    binary = root / ".lake/build/bin" / (args[1] if len(args) > 1 else "repl")  # the target
    binary.parent.mkdir(parents=True, exist_ok=True)
    fake = os.environ["STUB_FAKE_REPL"]
    binary.write_text(f"#!/bin/sh\\nexec {sys.executable} {fake} --model \\"$@\\"\\n")
    binary.chmod(0o755)

def update():
    text = (root / "lakefile.lean").read_text()
    match = re.search(r'require mathlib from git "([^"]+)" @ "([^"]+)"', text)
    packages = []
    if match:
        url, tag = match.groups()
        target = root / ".lake/packages/mathlib"
        done = subprocess.run(["git", "clone", "--quiet", "--branch", tag, url, str(target)])
        if done.returncode != 0:
            print("error: failed to clone mathlib", flush=True)
            sys.exit(1)
        packages.append({"name": "mathlib", "type": "git", "url": url, "rev": tag})
    manifest = {"version": "1.1.0", "packagesDir": ".lake/packages", "packages": packages}
    (root / "lake-manifest.json").write_text(__import__("json").dumps(manifest))

def cache_get():
    if os.environ.get("STUB_CACHE_FAIL"):
        print("error: could not download https://lakecache.blob.core.windows.net", flush=True)
        sys.exit(1)
    lib = root / ".lake/packages/mathlib/.lake/build/lib/lean"
    lib.mkdir(parents=True, exist_ok=True)
    for step in range(3):
        print(f"Downloading {step + 1}/3 files\\r", end="", flush=True)
    (lib / "Mathlib.olean").write_bytes(b"olean")
    print("Decompressed 3 files")

if args == ["--version"]:
    print(f"Lake version 5.0.0-stub (Lean version {toolchain_version()})")
elif args[:1] == ["build"]:
    build()
elif args == ["update"]:
    update()
elif args == ["exe", "cache", "get"]:
    cache_get()
elif args[:1] == ["env"] and len(args) > 1:
    os.execvp(args[1], args[1:])
else:
    print("lake stub: unsupported " + " ".join(args), file=sys.stderr)
    sys.exit(2)
"""
)

_GIT = f"""#!/bin/sh
echo "git $* @ $(pwd)" >> "$STUB_LOG"
exec {REAL_GIT} "$@"
"""


@dataclass
class StubToolchain:
    """A private PATH with stand-in tools, a leancli cache, and the call log."""

    root: Path
    bin: Path
    log: Path
    cache: Path
    environ: dict[str, str] = field(default_factory=dict)

    def calls(self, tool: str | None = None) -> list[str]:
        """Logged calls ("lake build @ /dir"), of one tool when given."""
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()
        return [line for line in lines if tool is None or line.split(" ", 1)[0] == tool]

    def remove(self, tool: str) -> None:
        (self.bin / tool).unlink()


def make_stub_toolchain(
    root: Path, tools: tuple[str, ...] = ("elan", "lean", "lake", "git")
) -> StubToolchain:
    """Stand-in tools under `root/bin`; `environ` has only that on PATH."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    scripts = {"elan": _ELAN, "lean": _LEAN, "lake": _LAKE, "git": _GIT}
    for tool in tools:
        path = bin_dir / tool
        path.write_text(scripts[tool])
        path.chmod(0o755)
    home = root / "home"
    home.mkdir()
    stubs = StubToolchain(root=root, bin=bin_dir, log=root / "calls.log", cache=root / "cache")
    stubs.environ = {
        "PATH": str(bin_dir),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LEANCLI_CACHE_DIR": str(stubs.cache),
        "STUB_LOG": str(stubs.log),
        "STUB_FAKE_REPL": str(FAKE_REPL),
        "LEANCLI_PASS_ENV": "STUB_*,FAKE_REPL_*",  # what the stubs read reaches the REPL
        **GIT_IDENTITY,
    }
    return stubs


# --- remotes -----------------------------------------------------------------------------

REPL_TAGS = ("v4.18.0", "v4.19.0", "v4.20.0")

# Stand-ins for the REPL's sources, only as far as setup and discovery read them. How the
# real files look: leanprover-community/repl before and after its commit 4fc1e6d (the loop
# printed each answer, then a blank line, and flushed only from then on), and LeanInteract's
# fork (augustepoiroux/repl), whose REPL/JSON.lean declares the `incrementality` field of a
# command from its tag v1.3.3 on.
UNFLUSHED_MAIN = """-- REPL/Main.lean, before the REPL flushed its answers
where loop : M IO Unit := do
  IO.println (toString (<- answer query))
  IO.println "" -- a blank line ends each answer
  loop
"""
FLUSHED_MAIN = """-- REPL/Main.lean, flushing each answer
where loop : M IO Unit := do
  IO.println (toString (<- answer query))
  let stdout <- IO.getStdout
  stdout.putStr "\\n"
  stdout.flush
  loop
"""
PLAIN_JSON = """structure CommandOptions where
  allTactics : Option Bool := none
  infotree : Option String
"""
FORK_JSON = """structure CommandOptions where
  allTactics : Option Bool := none
  infotree : Option String
  incrementality : Option Bool := none -- reuse the states of a shared prefix
"""
OLD_FORK_MAIN = "-- the fork\nstructure State where\n  envTries : Trie IncrementalState\n"
FORK_FILES = {"REPL/Main.lean": OLD_FORK_MAIN, "REPL/JSON.lean": FORK_JSON}
OLD_FORK_FILES = {"REPL/Main.lean": OLD_FORK_MAIN, "REPL/JSON.lean": PLAIN_JSON}
FORK_TAGS = (
    "v1.3.2-dev_lean-toolchain-v4.19.0",
    "v1.3.3-dev_lean-toolchain-v4.19.0",
    "v1.3.2-dev_lean-toolchain-v4.20.0",
)


@dataclass(frozen=True)
class StubCommit:
    """One commit of a stand-in remote: its `lean-toolchain` version, an optional tag, the
    files it changes (kept by later commits), and an optional side branch it goes on."""

    lean: str
    tag: str | None = None
    message: str = ""
    files: Mapping[str, str] = field(default_factory=dict)
    branch: str | None = None

    @property
    def title(self) -> str:
        return self.message or self.tag or f"bump to {self.lean}"


def fork_history(tags: tuple[str, ...] = FORK_TAGS) -> list[StubCommit]:
    """The fork's tags, each with the JSON.lean its REPL version has."""
    return [
        StubCommit(
            lean=tag.rsplit("lean-toolchain-", 1)[-1],
            tag=tag,
            files=OLD_FORK_FILES if tag.startswith(("v1.0.", "v1.3.2")) else FORK_FILES,
        )
        for tag in tags
    ]


def _git(*args: str, cwd: Path, when: int = 0) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    if when:
        # Distinct dates, so that "newest first" is well defined.
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{1_700_000_000 + when} +0000"
    done = subprocess.run(
        [REAL_GIT, *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def make_remote(
    root: Path,
    name: str,
    tags: tuple[str, ...] = (),
    main_lean: str = "-- the REPL\n",
    history: list[StubCommit] | None = None,
) -> Path:
    """A bare repository at `root/name.git`: one commit per tag, each pinning the tag's Lean
    version in `lean-toolchain` (as the REPL's tags do), or the commits of `history`.
    The `TAG` file holds the title of the last commit that was tagged or moved the Lean
    version, to tell which one was built (other commits change only their `files`)."""
    if history is None:
        history = [StubCommit(lean=tag.rsplit("lean-toolchain-", 1)[-1], tag=tag) for tag in tags]
    work = root / f"{name}-work"
    work.mkdir(parents=True)
    _git("init", "--quiet", "--initial-branch", "master", cwd=work)
    on_master = {
        "lakefile.lean": "import Lake\nopen Lake DSL\npackage REPL\nlean_exe repl\n",
        "REPL/Main.lean": main_lean,
    }
    for number, commit in enumerate(history, start=1):
        files = {**on_master, **commit.files}
        files["lean-toolchain"] = f"leanprover/lean4:{commit.lean}\n"
        if commit.tag or files["lean-toolchain"] != on_master.get("lean-toolchain"):
            files["TAG"] = commit.title + "\n"
        if commit.branch:
            _git("checkout", "--quiet", "-B", commit.branch, "master", cwd=work)
        else:
            on_master = files
        for path, text in files.items():
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            (work / path).write_text(text)
        _git("add", "-A", cwd=work)
        _git("commit", "--quiet", "-m", commit.title, cwd=work, when=number)
        if commit.tag:
            _git("tag", commit.tag, cwd=work)
        if commit.branch:
            _git("checkout", "--quiet", "master", cwd=work)
    bare = root / f"{name}.git"
    _git("clone", "--quiet", "--bare", str(work), str(bare), cwd=root)
    return bare


def commit_titled(remote: Path, title: str) -> str:
    """The hash of the commit of `remote` with this title (any branch)."""
    log = _git("log", "--all", "--format=%H %s", cwd=remote)
    [commit] = [
        line.split(" ", 1)[0] for line in log.splitlines() if line.split(" ", 1)[1] == title
    ]
    return commit


# --- projects ----------------------------------------------------------------------------


def make_project(
    root: Path,
    toolchain: str = "leanprover/lean4:v4.19.0",
    *,
    mathlib: bool = False,
    fetched: bool = True,
    built: bool = True,
) -> Path:
    """A Lake project; with `mathlib` it requires Mathlib, `fetched`/`built` say how far
    `lake exe cache get` got."""
    root.mkdir(parents=True)
    (root / "lean-toolchain").write_text(toolchain + "\n")
    lakefile = 'name = "demo"\n'
    if mathlib:
        lakefile += '[[require]]\nname = "mathlib"\nscope = "leanprover-community"\n'
    (root / "lakefile.toml").write_text(lakefile)
    if not mathlib:
        return root
    if fetched:
        manifest = '{"version": "1.1.0", "packagesDir": ".lake/packages", "packages": '
        manifest += '[{"name": "mathlib", "type": "git", "url": "x", "rev": "v4.19.0"}]}'
        (root / "lake-manifest.json").write_text(manifest)
        (root / ".lake/packages/mathlib").mkdir(parents=True)
    if fetched and built:
        lib = root / ".lake/packages/mathlib/.lake/build/lib/lean"
        lib.mkdir(parents=True)
        (lib / "Mathlib.olean").write_bytes(b"olean")
    return root


def cached_repl(
    stubs: StubToolchain, kind: Kind, version: str, json_lean: str | None = None
) -> Path:
    """A complete cache directory as `leancli setup` leaves it; returns the binary.

    Its REPL/JSON.lean is `json_lean`, by default the fork's (with `incrementality`) for
    the fork and the REPL's otherwise."""
    lean = LeanVersion.parse(version)
    assert lean is not None
    directory = version_dir(stubs.cache, kind, lean)
    binary = directory / ".lake/build/bin/repl"
    binary.parent.mkdir(parents=True)
    binary.write_text(_REPL_SCRIPT)  # a REPL that starts and answers, as a built one does
    binary.chmod(0o755)
    (directory / "lean-toolchain").write_text(f"leanprover/lean4:{lean.tag}\n")
    (directory / "REPL").mkdir()
    default = FORK_JSON if kind is Kind.REPL_FORK else PLAIN_JSON
    (directory / "REPL" / "JSON.lean").write_text(json_lean if json_lean is not None else default)
    (directory / MARKER).write_text(json.dumps({"fork": kind is Kind.REPL_FORK}))
    return binary


def checkout(
    root: Path, version: str, main_lean: str = "-- repl\n", json_lean: str | None = PLAIN_JSON
) -> Path:
    """A REPL checkout built with `lake build`, outside the cache; returns the binary.
    `json_lean` None: a checkout without REPL/JSON.lean."""
    binary = root / ".lake/build/bin/repl"
    binary.parent.mkdir(parents=True)
    binary.write_text(_REPL_SCRIPT)  # a REPL that starts and answers, as a built one does
    binary.chmod(0o755)
    (root / "lean-toolchain").write_text(f"leanprover/lean4:{version}\n")
    (root / "REPL").mkdir()
    (root / "REPL" / "Main.lean").write_text(main_lean)
    if json_lean is not None:
        (root / "REPL" / "JSON.lean").write_text(json_lean)
    return binary
