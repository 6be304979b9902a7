"""A training loop's verifier: batches under one slow header, four ways, side by side.

20 batches of 64 snippets under one header whose import takes 2 s in the simulated REPL
(`import Mathlib`, FAKE_REPL_IMPORT_SECONDS), each snippet costing 0.05 s (FAKE_REPL_COST),
2 workers. (Real proofs take about 1 s each, median, in the Goedel set; 0.05 s is still
far shorter, so that what leancli adds per snippet shows; the simulated REPL's own work,
about 1 ms per request, is not in the ideal, and every row pays it.) Printed in one run,
as a training step would call them:

- a `leancli.Checker` kept across batches (its REPLs keep the header imported);
- `leancli.check` per batch (a pool started and torn down each time);
- the CLI per batch (`leancli check` on each batch's file);
- LeanInteract at its best: one `AutoLeanServer` per process of a pool kept alive across
  batches, each importing the header once (`benchmarks/_leaninteract.py`).

For each: wall time, header imports, and the ratio to the ideal (the snippets' summed cost
over the workers, plus one import per worker). Targets: the Checker within 5% of the
ideal, imports = workers, and ahead of LeanInteract's best.

    .venv/bin/python benchmarks/training_loop.py [--batches 20] [--size 64]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _leaninteract as li
from benchmarks._common import (
    FAKE_REPL,
    LEANCLI,
    PYTHON,
    REPL_COMMAND,
    compile_bytecode,
    workdir,
    write_jsonl,
)

HEADER = "import Mathlib"
IMPORT_SECONDS = 2.0
SNIPPET_SECONDS = 0.05
WORKERS = 2

Batch = list[str]


def batches(count: int, size: int) -> list[Batch]:
    return [
        [f"{HEADER}\n\ntheorem t{b}_{i} : {i} + {b} = {b} + {i} := by omega" for i in range(size)]
        for b in range(count)
    ]


def imports_in(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if " import " in line and HEADER in line)


def environment(log: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FAKE_REPL_IMPORT_SECONDS": str(IMPORT_SECONDS),
        "FAKE_REPL_COST": str(SNIPPET_SECONDS),
        "FAKE_REPL_LOG": str(log),
        "LEANCLI_PASS_ENV": "FAKE_REPL_*",
    }


def timed(name: str, log: Path, run: Callable[[], None]) -> tuple[str, float, int]:
    saved = dict(os.environ)
    os.environ.update(environment(log))
    try:
        started = time.perf_counter()
        run()
        wall = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return name, wall, imports_in(log)


def with_checker(work: list[Batch]) -> None:
    import leancli

    with leancli.Checker(repl=REPL_COMMAND, workers=WORKERS, timeout=60) as checker:
        for batch in work:
            results = checker.check(batch)
            assert len(results) == len(batch)


def with_check_per_batch(work: list[Batch]) -> None:
    import leancli
    from leancli.config import CheckRequest, resolve

    options = resolve(CheckRequest(repl=REPL_COMMAND, workers=WORKERS, timeout=60))
    for batch in work:
        items = [leancli.Item(n, None, code) for n, code in enumerate(batch, start=1)]
        results = list(leancli.check(items, options))
        assert len(results) == len(batch)


def with_cli_per_batch(work: list[Batch], root: Path) -> None:
    for number, batch in enumerate(work):
        source = root / f"batch{number}.jsonl"
        write_jsonl(source, ({"code": code} for code in batch))
        command = [*LEANCLI, "check", str(source), "--repl", REPL_COMMAND, "-w", str(WORKERS)]
        subprocess.run(command, capture_output=True, check=False, env=os.environ.copy())


def with_leaninteract(work: list[Batch], root: Path) -> None:
    from lean_interact import LeanREPLConfig

    repl_dir, lake = li.make_repl_dir(root / "li", PYTHON, FAKE_REPL)
    config = LeanREPLConfig(local_repl_path=repl_dir, lake_path=lake, build_repl=False)
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS, initializer=li._start, initargs=(config,)) as pool:
        for batch in work:
            tasks = [(n, HEADER, code.split("\n", 2)[2]) for n, code in enumerate(batch)]
            done = list(pool.imap_unordered(li._check, tasks, chunksize=1))
            assert len(done) == len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    compile_bytecode()
    work = batches(args.batches, args.size)
    root = workdir("training")
    ideal = args.batches * args.size * SNIPPET_SECONDS / WORKERS + IMPORT_SECONDS
    rows = [
        timed("Checker kept across batches", root / "checker.log", lambda: with_checker(work)),
        timed("leancli.check per batch", root / "check.log", lambda: with_check_per_batch(work)),
        timed("CLI per batch", root / "cli.log", lambda: with_cli_per_batch(work, root)),
    ]
    if li.available():
        rows.append(
            timed(
                f"LeanInteract {li.available()}, pool kept",
                root / "li.log",
                lambda: with_leaninteract(work, root),
            )
        )
    else:
        print("LeanInteract not installed (pip install -e '.[bench]'): its row is left out")
    print(
        f"{args.batches} batches x {args.size} snippets, {WORKERS} workers, import "
        f"{IMPORT_SECONDS:g} s, snippet {SNIPPET_SECONDS:g} s; ideal {ideal:.2f} s"
    )
    print(f"{'':32} {'wall s':>8} {'imports':>8} {'x ideal':>8}")
    for name, wall, imports in rows:
        print(f"{name:32} {wall:8.2f} {imports:8d} {wall / ideal:8.3f}")


if __name__ == "__main__":
    main()
