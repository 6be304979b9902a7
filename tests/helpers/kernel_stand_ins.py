"""Stand-ins for `--trust kernel`'s programs, so that Lean's route runs without Lean.

Any `--checker` but `simulated` gets Lean's own module, made with `lean -o`
(docs/trust.md); `stand_in_lean` is a `lean` on PATH that writes the simulated checker's
pickle instead, and `simulated_checker_script` the simulated checker behind a command
that is not the word `simulated` (leancli/simulated/checker.py reads the pickle and its
`-- kernel:` cues).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl

HONEST = "theorem t : True := trivial"
FORGED = f"{HONEST}\n-- kernel: reject (kernel) declaration type mismatch 't'"
HANGS = f"{HONEST}\n-- kernel: hang"


def script(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def stand_in_lean(tmp_path: Path) -> dict[str, str]:
    """The environment of a run with a `lean` on PATH that makes `-o OUT SRC` into the
    simulated checker's pickle."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script(
        bin_dir / "lean",
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "out = args[args.index('-o') + 1]\n"
        "src = open(args[-1], encoding='utf-8').read()\n"
        "json.dump({'leancli-simulated-pickle': 1, 'imports': '', 'commands': src},"
        " open(out, 'w', encoding='utf-8'))\n",
    )
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def simulated_checker_script(tmp_path: Path) -> Path:
    return script(
        tmp_path / "real-checker",
        f'#!/bin/sh\nexec {sys.executable} -m leancli.simulated.checker "$@"\n',
    )


def check_one(
    tmp_path: Path, code: str, *args: str, env: dict[str, str] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    """`leancli check` of one snippet on the tests' REPL: the process and its results."""
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "s", "code": code}])
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, *args, env=env)
    return done, read_jsonl(done.stdout)
