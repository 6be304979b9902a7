"""What `--trust kernel` costs over `--trust audit`, on the simulated REPL and checker.

The workload: SNIPPETS snippets under one header, each costing COST seconds in the REPL
(`FAKE_REPL_COST`), a fraction FAILING of them failing (which never escalate); the
simulated checker (leancli/simulated/checker.py) takes CHECK seconds per replay
(`LEANCLI_SIMULATED_CHECKER_COST`) on top of starting a Python process, as a real
checker's replay of the header's imports and the snippet's constants would. Printed: the
wall time of each level, the overhead per pass, and the passes by trust. The expected
overhead is about (CHECK + a process start) x passes / workers: replays run on the
worker's own slot and only passes escalate.

Run: .venv/bin/python benchmarks/kernel_trust.py [--quick] [--check-seconds S]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from _common import fake_env, run_check, table, workdir, write_jsonl

SEED = 24


def _verdicts(results: list[dict[str, object]]) -> dict[object, object]:
    return {r["line"]: r["status"] for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run")
    parser.add_argument("--check-seconds", type=float, default=0.2, help="each replay's cost")
    args = parser.parse_args()
    snippets, cost, failing = (40, 0.05, 0.25) if args.quick else (200, 0.05, 0.25)
    rng = random.Random(SEED)
    folder = workdir("kernel")
    source = folder / "input.jsonl"
    write_jsonl(
        source,
        (
            {
                "id": str(n),
                "code": "import Mathlib\n"
                + ("-- fake: error\n" if rng.random() < failing else "")
                + f"theorem t{n} : True := trivial",
            }
            for n in range(snippets)
        ),
    )
    env = fake_env(COST=cost, IMPORT_SECONDS=0.5)
    env["LEANCLI_SIMULATED_CHECKER_COST"] = str(args.check_seconds)
    audit = run_check(source, "--trust", "audit", env=env)
    kernel = run_check(source, "--trust", "kernel", "--checker", "simulated", env=env)
    passes = sum(1 for r in kernel.results if r["status"] == "pass")
    same = _verdicts(audit.results) == _verdicts(kernel.results)
    rows = [["level", "wall (s)", "passes by trust"]]
    for name, run in (("audit", audit), ("kernel", kernel)):
        trusts = Counter(r.get("trust") for r in run.results if r["status"] == "pass")
        rows.append([name, f"{run.wall:.2f}", ", ".join(f"{k} {v}" for k, v in trusts.items())])
    print(table(rows))
    extra = kernel.wall - audit.wall
    print(
        f"\n{snippets} snippets, {passes} passes replayed at {args.check_seconds:g} s each "
        f"(plus a process start), 2 workers: +{extra:.2f} s "
        f"(x{kernel.wall / audit.wall:.2f}; {extra / max(passes, 1) * 2:.3f} s per replay "
        f"per worker); the same verdicts at both levels: {same}"
    )


if __name__ == "__main__":
    main()
