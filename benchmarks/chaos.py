"""Faults under load (issue 5): no result may be lost or written twice.

Thousands of snippets go through `leancli check` on the simulated REPL with random hangs
(`--timeout 1`), crashes, memory blow-ups (`eat 600` with `--memory-limit 300`), garbage
on stdout, workers killed by their own REPL (`kill-parent`) and, from outside, SIGKILLs of
random worker processes. It prints lost, duplicated and torn result lines (input lines
against output lines), whether each fault got the status it should, and the throughput
kept against a clean run of the same size.

    .venv/bin/python benchmarks/chaos.py [--quick] [--snippets N] [--kill-every S] [-- OPTION...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import signal
import threading
from collections import Counter

import psutil
from _common import CliRun, During, fake_env, run_check, table, workdir, write_jsonl

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
}
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


def killer(every: float, kills: list[int]) -> During:
    """A `during` hook that SIGKILLs a random worker process of the run every few seconds."""
    rng = random.Random(SEED + 1)

    def run(parent_pid: int, stop: threading.Event) -> None:
        while not stop.wait(rng.uniform(0.5, 1.5) * every):
            try:
                workers = [
                    child
                    for child in psutil.Process(parent_pid).children()
                    if "spawn_main" in " ".join(child.cmdline())
                ]
            except psutil.Error:
                continue
            if workers:
                victim = rng.choice(workers)
                try:
                    os.kill(victim.pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                kills.append(victim.pid)

    return run


def audit(run: CliRun, count: int, expected: list[str]) -> dict[str, int]:
    lines = Counter(result["line"] for result in run.results)
    wrong = sum(
        1 for result in run.results if result["status"] != expected[int(result["line"]) - 1]
    )
    return {
        "lost": len(set(range(1, count + 1)) - set(lines)),
        "duplicated": sum(times - 1 for times in lines.values() if times > 1),
        "torn": run.broken_lines,
        "unexpected status": wrong,
    }


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
    kills: list[int] = []
    during = killer(args.kill_every, kills) if args.kill_every > 0 else None
    chaos = run_check(path, *options, env=env, workers=WORKERS, during=during)

    planted: Counter[str] = Counter()
    for code in codes:
        for name in FAULTS:
            if f"-- fake: {name}" in code:
                planted[name] += 1
    print("faults planted: " + ", ".join(f"{n} {name}" for name, n in planted.items()), end="")
    print(f"; {len(kills)} worker processes SIGKILLed from outside")
    rows = [["run", "wall s", "snippets/s", "lost", "duplicated", "torn", "unexpected status"]]
    for name, run, wanted in (("clean", clean, clean_expected), ("chaos", chaos, expected)):
        counts = audit(run, count, wanted)
        rows.append(
            [name, f"{run.wall:.1f}", f"{count / run.wall:.1f}", *map(str, counts.values())]
        )
    print(table(rows))
    statuses = Counter(result["status"] for result in chaos.results)
    print("chaos statuses: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    retried = sum(1 for result in chaos.results if "retried once" in (result.get("error") or ""))
    print(f"{retried} results are crashes after a retry (worker killed twice)")
    by_design = planted["hang"] * TIMEOUT / WORKERS
    kept = clean.wall / chaos.wall
    print(
        f"throughput kept under faults: {kept:.0%} of the clean run "
        f"({by_design:.1f} s of the chaos run is hang timeouts by design)"
    )


if __name__ == "__main__":
    main()
