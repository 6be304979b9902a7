"""Faults under load (issue 5): no result may be lost or written twice.

Thousands of snippets go through `leancli check` on the simulated REPL with random hangs
(`--timeout 1`), crashes, memory blow-ups (`eat 600` with `--memory-limit 300`), garbage
on stdout, answers of several MiB, workers killed by their own REPL (`kill-parent`) and,
from outside: SIGKILLs of random worker processes and of random REPLs (most of them idle
between snippets), leancli itself stopped (SIGSTOP) for longer than the timeout and
continued, and a second run started on the same output while the first is live (it must
be refused, writing nothing). It prints lost, duplicated and torn result lines (input
lines against output lines), whether each fault got the status it should (a snippet
whose own REPL was killed under it is a crash by design, counted apart), and the
throughput kept against a clean run of the same size.

    .venv/bin/python benchmarks/chaos.py [--quick] [--snippets N] [--kill-every S] [-- OPTION...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from _common import (
    LEANCLI,
    REPL_COMMAND,
    CliRun,
    During,
    fake_env,
    run_check,
    table,
    workdir,
    write_jsonl,
)

SEED = 5
WORKERS = 2
TIMEOUT = 1.0
# fault -> (share of the snippets, the status its result must have)
FAULTS = {
    "hang": (0.01, "timeout"),
    "crash": (0.015, "crash"),
    "eat 600": (0.01, "memory"),
    "garbage": (0.01, "crash"),
    "kill-parent": (0.005, "crash"),
    "big-answer 4": (0.005, "pass"),
}
PAUSE_SECONDS = 1.5 * TIMEOUT  # leancli stopped longer than a snippet's timeout
NORMAL = {"": "pass", "sorry": "sorry", "-- fake: error": "fail"}


def snippets(count: int, faulty: bool) -> tuple[list[str], list[str]]:
    """Snippet codes and the status each one must get."""
    rng = random.Random(SEED)
    codes, expected = [], []
    for i in range(count):
        draw = rng.random()
        fault = None
        for name, (share, _) in FAULTS.items():
            if draw < share:
                fault = name
                break
            draw -= share
        extra = rng.choice(["", "", "", "", "sorry", "-- fake: error"])
        if fault is not None and faulty:
            tail = f"-- fake: {fault}\n  rfl"
            expected.append(FAULTS[fault][1])
        else:
            tail = f"{extra}\n  rfl" if extra == "-- fake: error" else (extra or "rfl")
            expected.append(NORMAL[extra])
        codes.append(
            f"import Mathlib\ntheorem c{i} : {i} = {i} := by\n  -- fake: sleep 0.01\n  {tail}"
        )
    return codes, expected


@dataclass
class Interference:
    """What was done to a chaos run from outside."""

    worker_kills: list[int] = field(default_factory=list)
    repl_kills: list[int] = field(default_factory=list)
    pauses: int = 0
    rivals: list[int] = field(default_factory=list)  # exit codes of runs on the same -o


def killer(every: float, done: Interference, rival: list[str], env: dict[str, str]) -> During:
    """A `during` hook that, every few seconds, does one of: SIGKILL a worker process,
    SIGKILL a REPL, stop leancli for PAUSE_SECONDS, start a rival run on its output."""
    rng = random.Random(SEED + 1)

    def run(parent_pid: int, stop: threading.Event) -> None:
        while not stop.wait(rng.uniform(0.5, 1.5) * every):
            action = rng.choice(["worker", "worker", "repl", "repl", "pause", "rival"])
            if action == "pause":
                os.kill(parent_pid, signal.SIGSTOP)
                time.sleep(PAUSE_SECONDS)
                os.kill(parent_pid, signal.SIGCONT)
                done.pauses += 1
            elif action == "rival":
                rival_run = subprocess.run(rival, env=env, capture_output=True, timeout=60)
                done.rivals.append(rival_run.returncode)
            else:
                victims = _processes(
                    parent_pid, "spawn_main" if action == "worker" else "fake_repl"
                )
                if victims:
                    victim = rng.choice(victims)
                    try:
                        os.kill(victim, signal.SIGKILL)
                    except ProcessLookupError:
                        continue
                    (done.worker_kills if action == "worker" else done.repl_kills).append(victim)

    return run


def _processes(parent_pid: int, marker: str) -> list[int]:
    try:
        found = psutil.Process(parent_pid).children(recursive=True)
        return [child.pid for child in found if marker in " ".join(child.cmdline())]
    except psutil.Error:
        return []


def audit(run: CliRun, count: int, expected: list[str]) -> dict[str, int]:
    lines = Counter(result["line"] for result in run.results)
    wrong = sum(
        1
        for result in run.results
        if result["status"] != expected[int(result["line"]) - 1] and not _repl_killed(result)
    )
    return {
        "lost": len(set(range(1, count + 1)) - set(lines)),
        "duplicated": sum(times - 1 for times in lines.values() if times > 1),
        "torn": run.broken_lines,
        "unexpected status": wrong,
    }


def _repl_killed(result: dict[str, object]) -> bool:
    """A snippet whose REPL was SIGKILLed from outside under it: a crash, or `memory` when
    it was importing under RLIMIT_AS (a fatal signal there looks like a failed mapping)."""
    killed = "REPL was killed by SIGKILL" in str(result.get("error") or "")
    return killed and result["status"] in ("crash", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 snippets instead of 3000")
    parser.add_argument("--snippets", type=int, help="how many snippets [3000; quick 500]")
    parser.add_argument(
        "--kill-every", type=float, default=3.0, help="seconds between outside SIGKILLs (0: none)"
    )
    parser.add_argument(
        "options", nargs="*", help="more `leancli check` options for both runs, after --"
    )
    args = parser.parse_args()
    count = args.snippets or (500 if args.quick else 3000)
    root = workdir("chaos")
    options = ("--timeout", str(TIMEOUT), "--memory-limit", "300", *args.options)
    env = fake_env(IMPORT_SECONDS=0.1)
    print(f"leancli chaos {datetime.date.today()}: {len(os.sched_getaffinity(0))} cores, ", end="")
    print(f"{WORKERS} workers, {count} snippets, seed {SEED}, options {' '.join(options)}")

    clean_codes, clean_expected = snippets(count, faulty=False)
    path = root / "clean.jsonl"
    write_jsonl(path, ({"id": f"c{i}", "code": code} for i, code in enumerate(clean_codes)))
    clean = run_check(path, *options, env=env, workers=WORKERS)

    codes, expected = snippets(count, faulty=True)
    path = root / "chaos.jsonl"
    write_jsonl(path, ({"id": f"c{i}", "code": code} for i, code in enumerate(codes)))
    done = Interference()
    rival = _rival_argv(path, options)
    during = killer(args.kill_every, done, rival, dict(env)) if args.kill_every > 0 else None
    chaos = run_check(path, *options, env=env, workers=WORKERS, during=during)

    planted: Counter[str] = Counter()
    for code in codes:
        for name in FAULTS:
            if f"-- fake: {name}" in code:
                planted[name] += 1
    print("faults planted: " + ", ".join(f"{n} {name}" for name, n in planted.items()), end="")
    print(
        f"; from outside: {len(done.worker_kills)} worker processes and {len(done.repl_kills)} "
        f"REPLs SIGKILLed, leancli stopped {done.pauses} times for {PAUSE_SECONDS:g} s, "
        f"{len(done.rivals)} rival runs on the same output (exit codes "
        f"{sorted(Counter(done.rivals).items())}: 2 is refused)"
    )
    rows = [["run", "wall s", "snippets/s", "lost", "duplicated", "torn", "unexpected status"]]
    for name, run, wanted in (("clean", clean, clean_expected), ("chaos", chaos, expected)):
        counts = audit(run, count, wanted)
        rows.append(
            [name, f"{run.wall:.1f}", f"{count / run.wall:.1f}", *map(str, counts.values())]
        )
    print(table(rows))
    statuses = Counter(result["status"] for result in chaos.results)
    print("chaos statuses: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    for result in chaos.results:
        wanted = expected[int(result["line"]) - 1]
        if result["status"] != wanted and not _repl_killed(result):
            error = str(result.get("error") or "")[:160]
            print(f"  unexpected: line {result['line']} {wanted} -> {result['status']}: {error}")
    hit = sum(1 for result in chaos.results if _repl_killed(result))
    print(f"{hit} results are crashes of a snippet whose REPL was killed under it")
    retried = sum(1 for result in chaos.results if "retried once" in (result.get("error") or ""))
    print(f"{retried} results are crashes after a retry (worker killed twice)")
    by_design = planted["hang"] * TIMEOUT / WORKERS
    kept = clean.wall / chaos.wall
    print(
        f"throughput kept under faults: {kept:.0%} of the clean run "
        f"({by_design:.1f} s of the chaos run is hang timeouts by design)"
    )


def _rival_argv(path: Path, options: tuple[str, ...]) -> list[str]:
    """A second run on the chaos run's output (run_check's), as a user would start one."""
    output = path.with_suffix(".results.jsonl")
    return [*LEANCLI, "check", str(path), "--repl", REPL_COMMAND, "--no-progress",
            "-o", str(output), "--resume", *options]  # fmt: skip


if __name__ == "__main__":
    main()
