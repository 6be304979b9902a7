"""Ways to run leancli as a user would, and what many tests compare with."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from leancli.toolchain.versions import LeanVersion

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
FAKE_REPL = HERE / "fake_repl.py"
DATASETS = TESTS / "data" / "datasets"
# `--model`: commands no recording holds get a Lean-like answer (see tests/helpers/fake_repl.py).
FAKE_REPL_COMMAND = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_REPL))} --model"


# The verdicts the real REPL gave the bundled samples/basics.jsonl (its recordings).
BASICS_VERDICTS = {
    "def-eval": "pass",
    "add-comm": "pass",
    "by-sorry": "sorry",
    "unsolved": "fail",
    "metavariables": "fail",
    "unfinished": "fail",
    "have-sorry": "fail",
    "comment-in-proof": "pass",
    "self-reference": "fail",
}


def V(text: str) -> LeanVersion:
    """A version a test names; the test fails at once if it does not parse."""
    version = LeanVersion.parse(text)
    assert version is not None, text
    return version


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    with path.open("wb") as handle:
        for row in rows:
            handle.write(row if isinstance(row, bytes) else orjson.dumps(row))
            handle.write(b"\n")
    return path


def read_jsonl(text: str | bytes) -> list[dict[str, Any]]:
    raw = text.encode() if isinstance(text, str) else text
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def run_leancli(
    *args: str, input: bytes | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed console entry point in a real process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "leancli", *args],
        input=input,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def check_rows(
    tmp_path: Path, repl: str, rows: list[dict[str, Any]], *args: str
) -> list[dict[str, Any]]:
    """`leancli check` of `rows` (written as JSONL) with `repl`: its results by line."""
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", repl, *args)
    assert done.returncode in (0, 1), done.stderr
    return sorted(read_jsonl(done.stdout), key=lambda r: r["line"])


def leftover_processes(marker: str) -> list[int]:
    """PIDs of live processes whose command line mentions `marker`."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            if marker in cmdline and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def lean_message(severity: str, data: str, line: int = 1) -> dict[str, Any]:
    """A REPL message as the real REPL prints it, one line long."""
    return {
        "severity": severity,
        "pos": {"line": line, "column": 0},
        "endPos": {"line": line, "column": 3},
        "data": data,
    }
