"""A stand-in REPL for the memory tests, written into the test's tmp_path.

It speaks the REPL's wire protocol and, unlike the simulated REPL, touches memory the
way Lean does: an import maps the .olean files it loads (those named in
STAND_IN_OLEANS, every page read) and fails when RLIMIT_AS leaves no room for them, as
Lean's import of Mathlib does below about 9 GB. Commands: `map PATH` maps a file the
same way; `allocate MB` allocates and touches anonymous memory; `rlimit` answers with
its RLIMIT_AS. Anything else just succeeds.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

_SCRIPT = r"""
import json, mmap, os, resource, sys, time

held = []


def map_file(path):
    with open(path, "rb") as handle:
        pages = mmap.mmap(handle.fileno(), 0, prot=mmap.PROT_READ)
    sum(pages[at] for at in range(0, len(pages), mmap.PAGESIZE))  # every page resident
    held.append(pages)


env, request = -1, ""
for line in sys.stdin:
    if line.strip():
        request += line
        continue
    if not request:
        continue
    cmd, request = json.loads(request)["cmd"], ""
    words, messages = cmd.split(), []
    if cmd.startswith("import"):
        for path in filter(None, os.environ.get("STAND_IN_OLEANS", "").split(os.pathsep)):
            map_file(path)
    elif words[:1] == ["map"]:
        map_file(words[1])
    elif words[:1] == ["allocate"]:
        block = bytearray(int(words[1]) * 2**20)
        for at in range(0, len(block), mmap.PAGESIZE):
            block[at] = 1
        held.append(block)
    elif words[:1] == ["rlimit"]:
        limit = str(resource.getrlimit(resource.RLIMIT_AS)[0])
        messages.append({"severity": "info", "pos": {"line": 1, "column": 0}, "data": limit})
    if words[:1] in (["map"], ["allocate"]):
        time.sleep(0.5)  # the session polls memory every 0.1 s: let it look
    env += 1
    print(json.dumps({"env": env, "messages": messages}), end="\n\n", flush=True)
"""


def stand_in_repl(directory: Path) -> str:
    """Command line that starts the stand-in REPL (its script written into `directory`)."""
    script = directory / "stand_in_repl.py"
    script.write_text(_SCRIPT)
    return shlex.join([sys.executable, str(script)])


def sparse_file(path: Path, mib: int) -> Path:
    """A file of `mib` MiB that takes no disk: reading it fills the page cache."""
    with path.open("wb") as handle:
        handle.truncate(mib * 2**20)
    return path
