"""Throughput, scheduling, dedup, memory and start-up figures of `leancli check` (issue 6).

Runs the simulated REPL (tests/fake_repl.py) on 2 workers and prints:
  (a) snippets/s for zero-cost snippets under one header, leancli vs LeanInteract;
  (b) wall time against the ideal for a heavy-tailed cost mix, leancli vs LeanInteract;
  (c) header imports against workers x headers for interleaved headers;
  (d) REPL commands and time saved by deduplication;
  (e) peak RSS of the leancli parent process alone for a 1M-line input;
  (f) `leancli --help` and `leancli check --help` wall time.

    .venv/bin/python benchmarks/performance.py [--quick] [--lines N] [--only a,b,...]
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import _leaninteract as li
from _common import (
    FAKE_REPL,
    PYTHON,
    CliRun,
    fake_env,
    median_wall,
    mib,
    run_check,
    table,
    workdir,
    write_jsonl,
)

WORKERS = 2
SEED = 20240601
HEADER = "import Mathlib"
IMPORT_SECONDS = 0.5


def _code(header: str, body: str) -> str:
    return f"{header}\n{body}" if header else body


def _imports(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(" import " in line for line in log.read_text().splitlines())


def _statuses(run: CliRun) -> str:
    counts = Counter(result["status"] for result in run.results)
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))


class Bench:
    def __init__(self, quick: bool, lines: int, distinct_lines: int, leaninteract: bool) -> None:
        self.quick = quick
        self.lines = lines
        self.distinct_lines = distinct_lines
        self.li_version = li.available() if leaninteract else None
        self.root = workdir("perf")
        self.summary: list[list[str]] = [["item", "figure", "target"]]
        self.versus: list[list[str]] = [["", "leancli", "LeanInteract", "leancli / LeanInteract"]]
        if self.li_version:
            self.repl_dir, self.lake = li.make_repl_dir(self.root / "li", PYTHON, FAKE_REPL)

    def leaninteract(
        self, name: str, tasks: list[tuple[str, str]], chunksize: int
    ) -> tuple[li.PoolRun, int] | None:
        if not self.li_version:
            return None
        log = self.root / f"{name}-li-imports.log"
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS, LOG=str(log))
        run = li.run_pool(
            tasks, self.repl_dir, self.lake, workers=WORKERS, chunksize=chunksize, env=env
        )
        return run, _imports(log)

    # (a) ----------------------------------------------------------------------------------
    def throughput(self) -> None:
        count = 500 if self.quick else 3000
        tasks = [(HEADER, f"theorem t{i} : {i} + 0 = {i} := rfl") for i in range(count)]
        path = self.root / "a.jsonl"
        write_jsonl(path, ({"id": f"a{i}", "code": _code(h, b)} for i, (h, b) in enumerate(tasks)))
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS)
        print(f"(a) {count} zero-cost snippets, header {HEADER!r} ({IMPORT_SECONDS} s import)")
        rates = {}
        for label, options in (("leancli", ()), ("leancli --no-audit", ("--no-audit",))):
            run = run_check(path, *options, env=env)
            rates[label] = count / run.wall
            print(
                f"    {label + ':':<19} {run.wall:6.2f} s  {rates[label]:7.1f} snippets/s  ", end=""
            )
            print(f"[{_statuses(run)}]")
        self.summary.append(
            ["(a) zero-cost snippets/s", f"{rates['leancli']:.0f}/s", ">= 1.5x LeanInteract"]
        )
        other = self.leaninteract("a", tasks, li.default_chunksize(count, WORKERS))
        other_rate = count / other[0].wall if other else None
        if other is not None and other_rate is not None:
            pool, imports = other
            print(
                f"    {'LeanInteract:':<19} {pool.wall:6.2f} s  {other_rate:7.1f} snippets/s  ",
                end="",
            )
            print(f"[{pool.statuses}; {imports} imports]")
        for label, rate in rates.items():
            versus = (
                ["-", "-"]
                if other_rate is None
                else [f"{other_rate:.0f}", f"{rate / other_rate:.2f}x"]
            )
            self.versus.append([f"(a) snippets/s, {label}", f"{rate:.0f}", *versus])

    # (b) ----------------------------------------------------------------------------------
    def heavy_tail(self) -> None:
        rng = random.Random(SEED)
        count, big = (80, [2.0]) if self.quick else (300, [2.0, 3.0, 4.0])
        costs = [min(4.0, max(0.005, rng.lognormvariate(math.log(0.1), 1.0))) for _ in range(count)]
        for cost in big:
            costs[rng.randrange(count)] = cost
        tasks = [
            (HEADER, f"theorem h{i} : True := by\n  -- fake: sleep {cost:.3f}\n  trivial")
            for i, cost in enumerate(costs)
        ]
        ideal = sum(costs) / WORKERS + IMPORT_SECONDS
        path = self.root / "b.jsonl"
        write_jsonl(path, ({"id": f"b{i}", "code": _code(h, b)} for i, (h, b) in enumerate(tasks)))
        run = run_check(path, env=fake_env(IMPORT_SECONDS=IMPORT_SECONDS))
        print(
            f"(b) {count} snippets, lognormal cost (median 0.1 s, sigma 1) + {len(big)} "
            f"multi-second; sum {sum(costs):.1f} s, max {max(costs):.1f} s; "
            f"ideal = sum/{WORKERS} + 1 import = {ideal:.2f} s"
        )
        efficiency = ideal / run.wall
        print(f"    leancli:      {run.wall:6.2f} s  ideal/measured {efficiency:.3f}  ", end="")
        print(f"(measured/ideal {run.wall / ideal:.3f})  [{_statuses(run)}]")
        self.summary.append(
            ["(b) heavy tail ideal/measured", f"{efficiency:.3f}", ">= 0.95, ahead of LeanInteract"]
        )
        other = self.leaninteract("b", tasks, chunksize=1)
        if other is None:
            self.versus.append(["(b) ideal/measured", f"{efficiency:.3f}", "-", "-"])
            return
        pool, _ = other
        other_efficiency = ideal / pool.wall
        print(
            f"    LeanInteract: {pool.wall:6.2f} s  ideal/measured {other_efficiency:.3f}  "
            f"(measured/ideal {pool.wall / ideal:.3f})  [{pool.statuses}]"
        )
        ratio = f"{efficiency / other_efficiency:.2f}x"
        row = ["(b) ideal/measured", f"{efficiency:.3f}", f"{other_efficiency:.3f}", ratio]
        self.versus.append(row)

    # (c) ----------------------------------------------------------------------------------
    def imports(self) -> None:
        headers = ["import Mathlib", "import Aesop", "import Batteries\nimport Qq"]
        count = 150 if self.quick else 600
        path = self.root / "c.jsonl"
        records = (
            {"id": f"c{i}", "code": _code(headers[i % 3], f"example : {i} = {i} := rfl")}
            for i in range(count)
        )
        write_jsonl(path, records)
        log = self.root / "c-imports.log"
        run = run_check(path, env=fake_env(IMPORT_SECONDS=0.3, LOG=str(log)))
        imports = _imports(log)
        bound = WORKERS * len(headers)
        print(f"(c) {count} snippets, {len(headers)} headers interleaved, 0.3 s per import")
        print(f"    imports: {imports} (workers x headers = {bound}; {run.wall:.2f} s)")
        self.summary.append(["(c) header imports", str(imports), f"<= {bound} (workers x headers)"])

    # (d) ----------------------------------------------------------------------------------
    def dedup(self) -> None:
        rng = random.Random(SEED + 4)
        count = 300 if self.quick else 1000
        unique = count * 7 // 10
        bodies = [
            f"theorem d{i} : {i} = {i} := by\n  -- fake: sleep 0.02\n  rfl" for i in range(unique)
        ]
        originals = [_code(HEADER, body) for body in bodies]
        codes = list(originals)
        for index in range(count - unique):
            code = originals[rng.randrange(unique)]
            if index % 6 == 0:
                code = code.replace("\n", "   \n") + "  "  # trailing spaces
            elif index % 6 == 1:
                code = code.replace("\n", "\r\n")  # CRLF
            codes.insert(rng.randrange(len(codes) + 1), code)
        path = self.root / "d.jsonl"
        write_jsonl(path, ({"id": f"d{i}", "code": code} for i, code in enumerate(codes)))
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS)
        with_dedup = run_check(path, env=env)
        without = run_check(path, "--no-dedup", env=env)
        copies = sum(1 for r in with_dedup.results if r.get("duplicate_of") is not None)
        commands = len(with_dedup.results) - copies
        saved = 1 - with_dedup.wall / without.wall
        print(f"(d) {count} snippets of which {count - unique} duplicates (1/6 with trailing")
        print("    spaces, 1/6 with CRLF), 0.02 s each")
        print(
            f"    dedup:    {with_dedup.wall:6.2f} s, {copies} results with duplicate_of, "
            f"{commands} REPL commands"
        )
        print(
            f"    no-dedup: {without.wall:6.2f} s, {len(without.results)} REPL commands; "
            f"dedup saves {count - commands} commands and {saved:.0%} of the time"
        )
        self.summary.append(
            ["(d) commands saved by dedup", f"{count - commands} of {count - unique}", "all"]
        )

    # (e) ----------------------------------------------------------------------------------
    def parent_rss(self) -> None:
        cycle = 1000 if self.quick else 5000
        print("(e) peak RSS of the leancli parent process (polled every 50 ms)")
        env = fake_env(COST=0)

        def cycled() -> Iterator[dict[str, str]]:
            for i in range(self.lines):
                j = i % cycle
                yield {"id": f"e{i}", "code": f"theorem e{j} : {j} = {j} := rfl"}

        path = self.root / "e-cycled.jsonl"
        write_jsonl(path, cycled())
        run = run_check(path, env=env, watch_rss=True, read_output=False)
        peak = mib(run.peak_rss)
        print(f"    {self.lines} lines, {cycle} distinct snippets cycled (the rest deduplicated):")
        print(f"      peak {peak:.0f} MiB; {run.wall:.1f} s, {self.lines / run.wall:.0f} lines/s")
        self.summary.append([f"(e) parent RSS, {self.lines} lines", f"{peak:.0f} MiB", "< 150 MB"])
        path.unlink()

        same = ({"id": f"s{i}", "code": "theorem s : 1 = 1 := rfl"} for i in range(self.lines))
        path = self.root / "e-same.jsonl"
        write_jsonl(path, same)
        run = run_check(
            path, env=fake_env(IMPORT_SECONDS=IMPORT_SECONDS), watch_rss=True, read_output=False
        )
        peak = mib(run.peak_rss)
        print(f"    {self.lines} lines, all one snippet (copies of an in-flight snippet):")
        print(f"      peak {peak:.0f} MiB; {run.wall:.1f} s")
        self.summary.append(
            [f"(e) parent RSS, {self.lines} identical lines", f"{peak:.0f} MiB", "< 150 MB"]
        )
        path.unlink()

        count = self.distinct_lines
        distinct = (
            {"id": f"u{i}", "code": f"theorem u{i} : {i} = {i} := rfl"} for i in range(count)
        )
        path = self.root / "e-distinct.jsonl"
        write_jsonl(path, distinct)
        run = run_check(path, env=env, watch_rss=True, read_output=False)
        rate = count / run.wall
        half = [rss for when, rss in run.rss_samples if when <= run.wall / 2]
        print(f"    {count} distinct lines (each one a REPL command): peak {mib(run.peak_rss):.0f}")
        print(
            f"      MiB (at half time {mib(max(half, default=0)):.0f} MiB); {rate:.0f} lines/s, "
            f"so 1M distinct lines would take {1_000_000 / rate / 60:.0f} min"
        )
        self.summary.append(
            [f"(e) parent RSS, {count} distinct", f"{mib(run.peak_rss):.0f} MiB", "< 150 MB"]
        )

    # (f) ----------------------------------------------------------------------------------
    def help_time(self) -> None:
        runs = 3 if self.quick else 9
        script = str(Path(PYTHON).parent / "leancli")
        main_help = median_wall([script, "--help"], runs)
        check_help = median_wall([script, "check", "--help"], runs)
        print(f"(f) median of {runs} runs: `leancli --help` {main_help:.3f} s, ", end="")
        print(f"`leancli check --help` {check_help:.3f} s")
        self.summary.append(["(f) leancli --help", f"{main_help:.3f} s", "< 0.3 s"])
        self.summary.append(["(f) leancli check --help", f"{check_help:.3f} s", "< 0.3 s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a ~30 s version with less input")
    parser.add_argument("--lines", type=int, help="lines of the (e) inputs [1000000; quick 100000]")
    parser.add_argument(
        "--distinct-lines", type=int, help="lines of the all-distinct (e) input [10000; quick 2000]"
    )
    parser.add_argument("--only", default="abcdef", help="sections to run, e.g. 'ab'")
    parser.add_argument("--no-leaninteract", action="store_true", help="skip LeanInteract")
    args = parser.parse_args()
    lines = args.lines or (100_000 if args.quick else 1_000_000)
    distinct = args.distinct_lines or (2000 if args.quick else 10_000)
    bench = Bench(args.quick, lines, distinct, not args.no_leaninteract)
    cores = len(os.sched_getaffinity(0))
    print(
        f"leancli benchmarks {datetime.date.today()}: {cores} cores, Python "
        f"{platform.python_version()}, {WORKERS} workers, simulated REPL; LeanInteract "
        f"{bench.li_version or 'not run (pip install lean-interact)'}"
    )
    sections = {
        "a": bench.throughput,
        "b": bench.heavy_tail,
        "c": bench.imports,
        "d": bench.dedup,
        "e": bench.parent_rss,
        "f": bench.help_time,
    }
    for key, section in sections.items():
        if key in args.only:
            section()
            sys.stdout.flush()
    print()
    if len(bench.versus) > 1:
        print(table(bench.versus))
        print()
    print(table(bench.summary))


if __name__ == "__main__":
    main()
