"""Throughput, scheduling, dedup, memory and start-up figures of `leancli check` (issue 6).

Runs the simulated REPL (tests/helpers/fake_repl.py) on 2 workers and prints:
  (a) snippets/s for zero-cost snippets under one header, leancli vs LeanInteract;
  (b) wall time against the ideal for a heavy-tailed cost mix, leancli vs LeanInteract;
  (c) header imports against workers x headers for interleaved headers;
  (d) REPL commands and time saved by deduplication;
  (e) peak RSS of the leancli parent process alone for 1M-line inputs;
  (f) `leancli --help` and `leancli check --help` wall time.

    .venv/bin/python benchmarks/performance.py [--quick] [--lines N] [--only abcdef]
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
from collections.abc import Iterable, Iterator
from pathlib import Path

import _leaninteract as li
from _common import (
    FAKE_REPL,
    PYTHON,
    CliRun,
    compile_bytecode,
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
SHORT_RUN = 3000  # tiny snippets of (a)'s second, start-up-heavy run
Task = tuple[str, str]  # (header, body)


def _code(header: str, body: str) -> str:
    return f"{header}\n{body}" if header else body


def _write(path: Path, tasks: Iterable[Task]) -> Path:
    write_jsonl(path, ({"id": f"s{i}", "code": _code(h, b)} for i, (h, b) in enumerate(tasks)))
    return path


def _imports(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(" import " in line for line in log.read_text().splitlines())


def _statuses(run: CliRun) -> str:
    counts = Counter(result["status"] for result in run.results)
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))


def _big_body(i: int) -> str:
    """About 3.4 KB of Lean: 20 small theorems with comments, as a prover's output might be."""
    return "\n".join(
        f"theorem p{i}_{k} (a b : ℕ) (h : a ≤ b) : a + {k} ≤ b + {k} := by\n"
        f"  -- step {k}\n"
        f"  have h' : a + {k} ≤ b + {k} := Nat.add_le_add_right h {k}\n"
        "  simpa using h'"
        for k in range(20)
    )


class Bench:
    def __init__(
        self, quick: bool, lines: int, distinct_lines: int, leaninteract: bool, snippets: int
    ) -> None:
        self.quick = quick
        self.snippets = snippets
        self.lines = lines
        self.identical_lines = lines // 4
        self.distinct_lines = distinct_lines
        self.li_version = li.available() if leaninteract else None
        self.root = workdir("perf")
        self.summary: list[list[str]] = [["item", "figure", "target"]]
        self.versus: list[list[str]] = [["", "leancli", "LeanInteract", "leancli / LeanInteract"]]
        if self.li_version:
            self.repl_dir, self.lake = li.make_repl_dir(self.root / "li", PYTHON, FAKE_REPL)

    def leaninteract(self, tasks: list[Task], chunksize: int) -> li.PoolRun | None:
        if not self.li_version:
            return None
        log = self.root / "li-imports.log"
        log.unlink(missing_ok=True)
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS, LOG=str(log))
        run = li.run_pool(
            tasks, self.repl_dir, self.lake, workers=WORKERS, chunksize=chunksize, env=env
        )
        run.imports = _imports(log)
        return run

    # (a) ----------------------------------------------------------------------------------
    def throughput(self) -> None:
        def tiny(count: int) -> list[Task]:
            return [(HEADER, f"theorem t{i} : {i} + 0 = {i} := rfl") for i in range(count)]

        print(f"(a) zero-cost snippets, header {HEADER!r} ({IMPORT_SECONDS} s per import)")
        rate, ratio = self._throughput("tiny", tiny(self.snippets))
        figure = f"{rate:.0f}/s" + (f" ({ratio:.2f}x)" if ratio else "")
        self.summary.append(["(a) zero-cost snippets/s", figure, ">= 1.5x LeanInteract"])
        if self.snippets > SHORT_RUN:
            # Start-up and the imports (about 1.2 s on each side) weigh on a short run.
            self._throughput("tiny, short run", tiny(SHORT_RUN))
        count = max(1, self.snippets // 20)
        self._throughput("3.4 KB", [(HEADER, _big_body(i)) for i in range(count)])

    def _throughput(self, name: str, tasks: list[Task]) -> tuple[float, float | None]:
        """leancli's snippets/s, and its ratio to LeanInteract's (None without it)."""
        path = _write(self.root / "a.jsonl", tasks)
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS)
        count = len(tasks)
        rates: dict[str, float] = {}
        for label, options in (("leancli", ()), ("leancli --no-audit", ("--no-audit",))):
            run = run_check(path, *options, env=env)
            rates[label] = count / run.wall
            print(f"    {count} {name}, {label + ':':<19} {run.wall:6.2f} s ", end="")
            print(f"{rates[label]:6.0f} snippets/s  [{_statuses(run)}]")
        pool = self.leaninteract(tasks, li.default_chunksize(count, WORKERS))
        other = count / pool.wall if pool else 0.0
        if pool is not None:
            print(f"    {count} {name}, {'LeanInteract:':<19} {pool.wall:6.2f} s ", end="")
            print(f"{other:6.0f} snippets/s  [{pool.statuses}; {pool.imports} imports]")
        for label, rate in rates.items():
            ratio = [f"{other:.0f}", f"{rate / other:.2f}x"] if other else ["-", "-"]
            self.versus.append([f"(a) {name} snippets/s, {label}", f"{rate:.0f}", *ratio])
        return rates["leancli"], (rates["leancli"] / other if other else None)

    # (b) ----------------------------------------------------------------------------------
    def heavy_tail(self) -> None:
        rng = random.Random(SEED)
        count, big = (40, [1.0]) if self.quick else (300, [2.0, 3.0, 4.0])
        costs = [
            round(min(4.0, max(0.005, rng.lognormvariate(math.log(0.1), 1.0))), 3)
            for _ in range(count)
        ]
        for cost in big:
            costs[rng.randrange(count)] = cost
        tasks = [
            (HEADER, f"theorem h{i} : True := by\n  -- fake: sleep {cost}\n  trivial")
            for i, cost in enumerate(costs)
        ]
        ideal = sum(costs) / WORKERS + IMPORT_SECONDS
        print(
            f"(b) {count} snippets, lognormal cost (median 0.1 s, sigma 1) and {len(big)} "
            f"multi-second;\n    sum {sum(costs):.1f} s, max {max(costs):.1f} s, "
            f"ideal = sum / {WORKERS} + one import = {ideal:.2f} s"
        )
        path = _write(self.root / "b.jsonl", tasks)
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS)
        for label, options in (("leancli", ()), ("leancli --no-audit", ("--no-audit",))):
            run = run_check(path, *options, env=env)
            mine = ideal / run.wall
            print(f"    {label + ':':<19} {run.wall:6.2f} s, ideal/measured {mine:.3f}  ", end="")
            print(f"[{_statuses(run)}]")
            if label == "leancli":
                target = ">= 0.95, ahead of LeanInteract"
                self.summary.append(["(b) heavy tail, ideal/measured", f"{mine:.3f}", target])
            self.versus.append([f"(b) ideal/measured, {label}", f"{mine:.3f}"])
        pool = self.leaninteract(tasks, chunksize=1)
        other = ideal / pool.wall if pool else 0.0
        if pool is not None:
            print(
                f"    {'LeanInteract:':<19} {pool.wall:6.2f} s, ideal/measured {other:.3f}  ",
                end="",
            )
            print(f"[{pool.statuses}]")
        for row in self.versus[-2:]:
            row += [f"{other:.3f}", f"{float(row[1]) / other:.2f}x"] if other else ["-", "-"]

    # (c) ----------------------------------------------------------------------------------
    def imports(self) -> None:
        headers = ["import Mathlib", "import Aesop", "import Batteries\nimport Qq"]
        count = 90 if self.quick else 600
        tasks = [(headers[i % 3], f"example : {i} = {i} := rfl") for i in range(count)]
        log = self.root / "c-imports.log"
        run = run_check(
            _write(self.root / "c.jsonl", tasks), env=fake_env(IMPORT_SECONDS=0.3, LOG=str(log))
        )
        imports, bound = _imports(log), WORKERS * len(headers)
        print(f"(c) {count} snippets, {len(headers)} headers interleaved, 0.3 s per import:")
        print(f"    {imports} imports (workers x headers = {bound}); {run.wall:.2f} s")
        self.summary.append(["(c) header imports", str(imports), f"<= {bound} (workers x headers)"])

    # (d) ----------------------------------------------------------------------------------
    def dedup(self) -> None:
        rng = random.Random(SEED + 4)
        count = 150 if self.quick else 1000
        unique = count * 7 // 10
        originals = [
            _code(HEADER, f"theorem d{i} : {i} = {i} := by\n  -- fake: sleep 0.02\n  rfl")
            for i in range(unique)
        ]
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
        deduped = run_check(path, env=env)
        plain = run_check(path, "--no-dedup", env=env)
        copies = sum(1 for result in deduped.results if result.get("duplicate_of") is not None)
        print(
            f"(d) {count} snippets (0.02 s each), {count - unique} of them duplicates "
            "(1/6 with trailing spaces, 1/6 with CRLF):"
        )
        print(f"    dedup:    {deduped.wall:6.2f} s, {copies} results with duplicate_of, ", end="")
        print(f"{count - copies} REPL commands")
        print(f"    no-dedup: {plain.wall:6.2f} s, {count} REPL commands; ", end="")
        print(f"dedup saves {copies} commands and {1 - deduped.wall / plain.wall:.0%} of the time")
        self.summary.append(["(d) commands saved by dedup", f"{copies} of {count - unique}", "all"])

    # (e) ----------------------------------------------------------------------------------
    def parent_rss(self) -> None:
        print("(e) peak RSS of the leancli parent process alone (polled every 50 ms):")
        cycle = 500 if self.quick else 5000

        def cycled() -> Iterator[Task]:
            for i in range(self.lines):
                yield "", f"theorem e{i % cycle} : {i % cycle} = {i % cycle} := rfl"

        base = self._rss(
            f"{self.lines} lines, {cycle} distinct snippets cycled (the rest answered by dedup)",
            cycled(),
            f"(e) parent RSS, {self.lines} lines",
        )
        count = self.identical_lines
        same = (("", "theorem s : 1 = 1 := rfl") for _ in range(count))
        run = self._rss(
            f"{count} lines, all one snippet (copies of a snippet still in flight)",
            same,
            f"(e) parent RSS, {count} identical lines",
        )
        per_million = (run.peak_rss - base.peak_rss) * 1_000_000 / count
        print(f"      grows {mib(per_million):.0f} MiB per million such lines over the first run")
        count = self.distinct_lines
        distinct = (("", f"theorem u{i} : {i} = {i} := rfl") for i in range(count))
        run = self._rss(
            f"{count} distinct lines (each one a REPL command)",
            distinct,
            f"(e) parent RSS, {count} distinct lines",
        )
        if not self.quick:
            minutes = 1_000_000 / (count / run.wall) / 60
            print(
                f"      so 1M distinct lines would take about {minutes:.0f} min at this rate "
                "(start-up included)"
            )

    def _rss(self, what: str, tasks: Iterable[Task], item: str) -> CliRun:
        path = _write(self.root / "e.jsonl", tasks)
        env = fake_env(IMPORT_SECONDS=IMPORT_SECONDS)
        run = run_check(path, env=env, watch_rss=True, read_output=False)
        path.unlink()
        output = path.with_suffix(".results.jsonl")
        with output.open("rb") as handle:
            lines = sum(1 for _ in handle)
        output.unlink()
        half = max((rss for when, rss in run.rss_samples if when <= run.wall / 2), default=0)
        print(f"    {what}:\n      peak {mib(run.peak_rss):.0f} MiB (at half time ", end="")
        print(f"{mib(half):.0f} MiB); {run.wall:.1f} s, {lines / run.wall:.0f} lines/s")
        self.summary.append([item, f"{mib(run.peak_rss):.0f} MiB", "< 150 MB"])
        return run

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
    parser.add_argument(
        "--lines",
        type=int,
        help="lines of the (e) input [1000000; quick 20000]; a quarter for the identical one",
    )
    parser.add_argument("--identical-lines", type=int, help="lines of the identical (e) input")
    parser.add_argument(
        "--snippets", type=int, help="tiny snippets of (a), a twentieth as many 3.4 KB [20000]"
    )
    parser.add_argument(
        "--distinct-lines", type=int, help="lines of the all-distinct (e) input [3000; quick 300]"
    )
    parser.add_argument("--only", default="abcdef", help="sections to run, e.g. 'ab'")
    parser.add_argument("--no-leaninteract", action="store_true", help="skip LeanInteract")
    args = parser.parse_args()
    lines = args.lines or (20_000 if args.quick else 1_000_000)
    distinct = args.distinct_lines or (300 if args.quick else 3000)
    snippets = args.snippets or (300 if args.quick else 20000)
    bench = Bench(args.quick, lines, distinct, not args.no_leaninteract, snippets)
    bench.identical_lines = args.identical_lines or bench.identical_lines
    compile_bytecode()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    if args.no_leaninteract:
        other = "not run (--no-leaninteract)"
    else:
        other = bench.li_version or "not installed (pip install lean-interact)"
    print(
        f"leancli benchmarks {datetime.datetime.now():%Y-%m-%d %H:%M}: "
        f"{len(os.sched_getaffinity(0))} cores (load average {load}), "
        f"Python {platform.python_version()}, {WORKERS} workers, simulated REPL; "
        f"LeanInteract {other}"
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
    print(f"load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
