"""Shared helpers of the benchmark scripts: inputs, the simulated REPL, timed CLI runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FAKE_REPL = ROOT / "tests" / "helpers" / "fake_repl.py"
REPL_COMMAND = f"{PYTHON} {FAKE_REPL} --model"
LEANCLI = [PYTHON, "-m", "leancli"]
# Runs in a thread while `leancli check` runs: (its pid, an event set when it has exited).
During = Callable[[int, threading.Event], None]


def compile_bytecode() -> bool:
    """Compile leancli's modules, as `pip install` does for the packages it installs.

    An editable install leaves that to the first import, and PYTHONDONTWRITEBYTECODE
    (set on some machines) stops it: every process would then compile leancli's source
    on each start, while the tools it is compared with load theirs compiled.
    Returns whether every module compiled.
    """
    import compileall

    return bool(compileall.compile_dir(ROOT / "leancli", quiet=1))


def workdir(prefix: str) -> Path:
    """A fresh temporary folder, removed when the interpreter exits."""
    holder = tempfile.TemporaryDirectory(prefix=f"leancli-bench-{prefix}-")
    _KEEP.append(holder)
    return Path(holder.name)


_KEEP: list[tempfile.TemporaryDirectory[str]] = []


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> int:
    count = 0
    with path.open("wb") as handle:
        for record in records:
            handle.write(orjson.dumps(record) + b"\n")
            count += 1
    return count


def read_results(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Parsed result lines, and how many lines were not JSON (torn or garbage)."""
    results: list[dict[str, Any]] = []
    broken = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                results.append(orjson.loads(raw))
            except orjson.JSONDecodeError:
                broken += 1
    return results, broken


def fake_env(**settings: float | str) -> dict[str, str]:
    """The environment for a run: ours plus FAKE_REPL_* settings (e.g. IMPORT_SECONDS=0.5)."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("FAKE_REPL_"):
            del env[key]
    env.update({f"FAKE_REPL_{key}": str(value) for key, value in settings.items()})
    return env


@dataclass
class CliRun:
    wall: float
    returncode: int
    stderr: str
    results: list[dict[str, Any]]
    broken_lines: int
    peak_rss: int = 0
    rss_samples: list[tuple[float, int]] = field(default_factory=list)


def run_check(
    input_path: Path,
    *options: str,
    env: Mapping[str, str],
    workers: int = 2,
    watch_rss: bool = False,
    read_output: bool = True,
    during: During | None = None,
) -> CliRun:
    """Time one `leancli check` run with the simulated REPL.

    `watch_rss` polls the resident size of the leancli parent process alone (not its
    workers or REPLs). `during(pid, stop_event)` runs in a thread while the run lasts.
    """
    output = input_path.with_suffix(".results.jsonl")
    output.unlink(missing_ok=True)
    argv = [
        *LEANCLI,
        "check",
        str(input_path),
        "--repl",
        REPL_COMMAND,
        "--workers",
        str(workers),
        "--no-progress",
        "-o",
        str(output),
        *options,
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=input_path.parent,
    )
    stop = threading.Event()
    samples: list[tuple[float, int]] = []
    threads = []
    if watch_rss:
        threads.append(threading.Thread(target=_poll_rss, args=(process.pid, stop, samples)))
    if during is not None:
        threads.append(threading.Thread(target=during, args=(process.pid, stop)))
    for thread in threads:
        thread.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join()
    if process.returncode not in (0, 1) or not output.exists():
        message = stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"leancli check exited {process.returncode}:\n{message}")
    results, broken = read_results(output) if read_output else ([], 0)
    peak = max((rss for _, rss in samples), default=0)
    return CliRun(wall, process.returncode, stderr.decode(), results, broken, peak, samples)


def _poll_rss(pid: int, stop: threading.Event, samples: list[tuple[float, int]]) -> None:
    try:
        process = psutil.Process(pid)
    except psutil.Error:
        return
    started = time.perf_counter()
    while not stop.is_set():
        try:
            samples.append((time.perf_counter() - started, process.memory_info().rss))
        except psutil.Error:
            return
        stop.wait(0.05)


def median_wall(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def mib(size: float) -> float:
    return size / 2**20


def table(rows: list[list[str]]) -> str:
    """A plain left-aligned text table; the first row is the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
