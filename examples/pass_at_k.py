"""pass@k of a prover's samples over a problem set, on one warm `leancli.Checker`.

    python examples/pass_at_k.py samples.jsonl --k 1 8 32 [--first-pass] [--repl ...]

`samples.jsonl` holds one line per sample: the problem's `name`, and its `code` (the
whole Lean file), or the fields `--template` builds it from. pass@k is averaged over
problems with the unbiased estimator 1 - C(n-c, k)/C(n, k), by the same code as
`leancli stats --k` (every sample counts: an invalid one is a failure; a k above a
problem's sample count is undefined and left out). With `--first-pass`, the samples of
a problem after its first proof are not checked (much faster for large k): then only
pass@n is exact, and pass@k for smaller k is left out, as `leancli stats` does.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import orjson

import leancli
from leancli.reports.stats import pass_at_k_table


def evaluate(
    samples: Sequence[dict[str, object]], ks: Sequence[int], checker: leancli.Checker
) -> dict[str, float | str]:
    """pass@k for each k, or why it is left out (undefined, or biased)."""
    results = checker.check(samples)
    per_problem: dict[str, list[leancli.Status]] = defaultdict(list)
    for sample, result in zip(samples, results, strict=True):
        per_problem[str(sample["name"])].append(result.status)
    groups = [
        (len(statuses), statuses.count(leancli.Status.PASS)) for statuses in per_problem.values()
    ]
    # A skipped sample's verdict is unknown, so is c: only k >= n is exact there.
    unbiased_from = max(
        (len(statuses) for statuses in per_problem.values() if leancli.Status.SKIPPED in statuses),
        default=0,
    )
    values, notes = pass_at_k_table(groups, ks, unbiased_from)
    report: dict[str, float | str] = {f"pass@{k}": values[str(k)] for k in ks if str(k) in values}
    for note in notes:
        name, why = note.split(" ", 1)
        report[name] = why
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("samples", type=Path)
    parser.add_argument("--k", type=int, nargs="+", default=[1])
    parser.add_argument("--first-pass", action="store_true")
    parser.add_argument("--template")
    parser.add_argument("--repl")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    samples = [orjson.loads(line) for line in args.samples.read_bytes().splitlines() if line]
    with leancli.Checker(
        repl=args.repl,
        workers=args.workers,
        template=args.template,
        first_pass="name" if args.first_pass else None,
    ) as checker:
        report = evaluate(samples, args.k, checker)
    for k in args.k:
        value = report[f"pass@{k}"]
        print(f"pass@{k}: {value if isinstance(value, str) else f'{value:.4f}'}")


if __name__ == "__main__":
    main()
