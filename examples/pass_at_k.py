"""pass@k of a prover's samples over a problem set, on one warm `leancli.Checker`.

    python examples/pass_at_k.py samples.jsonl --k 1 8 32 [--first-pass] [--repl ...]

`samples.jsonl` holds one line per sample: the problem's `name`, and its `code` (the
whole Lean file), or the fields `--template` builds it from. pass@k is averaged over
problems with the unbiased estimator 1 - C(n-c, k)/C(n, k), by the same code as
`leancli stats --by name --k` (every sample counts: an invalid one is a failure; a
sample without `name` is left out of pass@k; a k above a problem's sample count is
undefined and left out). With `--first-pass`, the samples of a problem after its first
proof are not checked (much faster for large k): then only pass@n is exact, and pass@k
for smaller k is left out, as `leancli stats` does.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import orjson

import leancli
from leancli.reports.stats import Stats


def evaluate(
    samples: Sequence[dict[str, object]], ks: Sequence[int], checker: leancli.Checker
) -> dict[str, float | str]:
    """pass@k for each k, or why it is left out (undefined, or biased)."""
    results = checker.check(samples)
    stats = Stats(by="name", ks=sorted(set(ks)))
    for line, (sample, result) in enumerate(zip(samples, results, strict=True), start=1):
        stats.add({"name": sample.get("name"), "status": result.status.value}, line)
    values, notes = stats.pass_at_k()
    report: dict[str, float | str] = {f"pass@{k}": values[str(k)] for k in ks if str(k) in values}
    for note in notes:
        name, why = note.split(" ", 1)
        report[name] = why
    for k in ks:  # no problem at all: as `stats`, no value
        report.setdefault(f"pass@{k}", "undefined: no sample names a problem")
    return report


def whole_number(text: str) -> int:
    """A k of pass@k: a whole number of at least 1 (argparse says so in one line)."""
    if not text.isascii() or not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def read_samples(path: Path, parser: argparse.ArgumentParser) -> list[dict[str, object]]:
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        parser.error(f"cannot read {path}: {exc.strerror or exc}")
    samples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            sample = orjson.loads(line)
        except orjson.JSONDecodeError:
            parser.error(f"{path} line {number}: not valid JSON")
        if not isinstance(sample, dict):
            parser.error(f"{path} line {number}: not a JSON object")
        samples.append(sample)
    return samples


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("samples", type=Path)
    parser.add_argument("--k", type=whole_number, nargs="+", default=[1])
    parser.add_argument("--first-pass", action="store_true")
    parser.add_argument("--template")
    parser.add_argument("--repl")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    samples = read_samples(args.samples, parser)
    with leancli.Checker(
        repl=args.repl,
        workers=args.workers,
        template=args.template,
        first_pass="name" if args.first_pass else None,
    ) as checker:
        report = evaluate(samples, args.k, checker)
    for k in dict.fromkeys(args.k):
        value = report[f"pass@{k}"]
        print(f"pass@{k}: {value if isinstance(value, str) else f'{value:.4f}'}")


if __name__ == "__main__":
    main()
