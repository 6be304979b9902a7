"""The same heavy-tailed workload through the local pool and through Ray actors.

Runs the simulated REPL (tests/helpers/fake_repl.py) with per-snippet costs drawn from a
lognormal distribution, first on the local pool (2 workers), then on a simulated Ray
cluster of 2 nodes with 1 CPU each (2 actors), and prints both throughputs and the wall
time Ray adds per snippet. Workers are warmed up first (process start, REPL start,
header import), so the figures compare steady-state dispatch only.

    .venv/bin/python benchmarks/ray_vs_local.py [--snippets 300] [--mean 0.05]
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

# Before Ray is imported: bind every Ray service to 127.0.0.1 only.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

from leancli import CheckOptions, Item, ReplSpec, check
from leancli.executors.base import Executor
from leancli.executors.local import LocalExecutor
from leancli.options import RayOptions, WorkerConfig

FAKE_REPL = Path(__file__).resolve().parent.parent / "tests" / "helpers" / "fake_repl.py"
WORKERS = 2
SIGMA = 1.2  # lognormal shape: most snippets are quick, a few take 10-30x the mean


def workload(count: int, mean: float, seed: int, tag: str) -> tuple[list[Item], list[float]]:
    rng = random.Random(seed)
    mu = math.log(mean) - SIGMA**2 / 2  # so that the mean cost is `mean`
    costs = [rng.lognormvariate(mu, SIGMA) for _ in range(count)]
    items = [
        Item(
            n,
            f"{tag}{n}",
            f"import Mathlib\n-- fake: sleep {cost:.4f}\ntheorem t{n} : True := trivial",
        )
        for n, cost in enumerate(costs)
    ]
    return items, costs


def timed_runs(executor: Executor, options: CheckOptions, items: list[Item]) -> tuple[float, float]:
    """Seconds for `items`, and for as many snippets that cost nothing (pure overhead)."""
    warm_up = [
        Item(n, f"warm{n}", f"import Mathlib\ntheorem w{n} : True := trivial") for n in range(8)
    ]
    empty = [
        Item(n, f"empty{n}", f"import Mathlib\ntheorem e{n} : True := trivial")
        for n in range(len(items))
    ]
    times = []
    for batch in (warm_up, items, empty):
        started = time.perf_counter()
        results = list(check(batch, options, executor=executor))
        times.append(time.perf_counter() - started)
        assert sorted(r.line for r in results) == [item.line for item in batch]
    return times[1], times[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snippets", type=int, default=300)
    parser.add_argument("--mean", type=float, default=0.05, help="mean seconds per snippet")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    items, costs = workload(args.snippets, args.mean, args.seed, "p")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_REPL))} --model"
    worker = WorkerConfig(repl=ReplSpec.from_command(command))
    ordered = sorted(costs)
    print(
        f"workload: {len(costs)} snippets, mean {statistics.fmean(costs) * 1000:.0f} ms, "
        f"p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, "
        f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; "
        f"{WORKERS} workers can do it in {sum(costs) / WORKERS:.2f} s at best"
    )

    local_options = CheckOptions(worker=worker, workers=WORKERS)
    with LocalExecutor(worker, WORKERS) as local:
        local_time, local_empty = timed_runs(local, local_options, items)
    report("local pool", local_time, local_empty, len(items))

    import ray
    from ray.cluster_utils import Cluster

    from leancli.executors.ray import RayExecutor

    started = time.perf_counter()
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, logging_level=logging.WARNING)
        print(f"(simulated 2-node Ray cluster up in {time.perf_counter() - started:.1f} s)")
        ray_options = CheckOptions(
            worker=worker, ray=RayOptions(address=cluster.address, memory_per_repl_mb=256)
        )
        with RayExecutor(ray_options) as actors:
            assert actors.size == WORKERS, f"{actors.size} actors"
            ray_time, ray_empty = timed_runs(actors, ray_options, items)
        report("Ray, 2 nodes", ray_time, ray_empty, len(items))
    finally:
        ray.shutdown()
        cluster.shutdown()

    # Each worker runs count / WORKERS snippets one after another, so a difference in
    # wall time spreads over that many snippets.
    per_snippet = WORKERS / len(items) * 1000
    print(
        f"Ray adds {(ray_time - local_time) * per_snippet:.1f} ms per snippet on this "
        f"workload ({(ray_time / local_time - 1) * 100:+.1f}% wall time), "
        f"{(ray_empty - local_empty) * per_snippet:.1f} ms per empty snippet"
    )


def report(name: str, elapsed: float, empty: float, count: int) -> None:
    print(
        f"{name:>13}: {elapsed:6.2f} s, {count / elapsed:6.1f} snippets/s; "
        f"empty snippets: {count / empty:6.1f}/s, {empty * WORKERS / count * 1000:.1f} ms each"
    )


if __name__ == "__main__":
    main()
