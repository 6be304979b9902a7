"""Shared fixtures: the simulated REPL and ways to run leancli as a user would."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.simulated import TRANSCRIPTS
from leancli.toolchain import LeanVersion

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FAKE_REPL = HERE / "fake_repl.py"
DATASETS = HERE / "data" / "datasets"
# `--model`: commands no recording holds get a Lean-like answer (see tests/fake_repl.py).
FAKE_REPL_COMMAND = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_REPL))} --model"


@pytest.fixture(autouse=True)
def _test_variables_reach_the_repls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A REPL sees only the variables it is told to: the tests' own stand-ins' included."""
    monkeypatch.setenv("LEANCLI_PASS_ENV", "FAKE_REPL_*,STAND_IN_*,STUB_*")


@pytest.fixture
def fake_repl() -> str:
    """Command line that starts the simulated REPL."""
    return FAKE_REPL_COMMAND


@pytest.fixture
def import_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file where every simulated REPL notes each header it imports."""
    log = tmp_path / "imports.log"
    monkeypatch.setenv("FAKE_REPL_LOG", str(log))
    return log


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


@pytest.fixture
def goedel_items() -> Iterator[list[tuple[str, dict[str, Any], dict[str, Any]]]]:
    """(name, request, expected answer) for each recorded Goedel-Prover proof."""
    folder = TRANSCRIPTS / "goedel-workbook"
    items = []
    for request_file in sorted(folder.glob("*.in")):
        answer_file = request_file.with_name(request_file.name[:-3] + ".expected.out")
        request = orjson.loads(request_file.read_bytes())
        items.append((request_file.stem, request, orjson.loads(answer_file.read_bytes())))
    yield items


def lean_message(severity: str, data: str, line: int = 1) -> dict[str, Any]:
    """A REPL message as the real REPL prints it, one line long."""
    return {
        "severity": severity,
        "pos": {"line": line, "column": 0},
        "endPos": {"line": line, "column": 3},
        "data": data,
    }
