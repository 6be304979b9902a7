"""Summary statistics over a results JSONL file: status counts, times and pass@k.

The file is streamed: per result we keep one 8-byte time (for exact percentiles) and
per group two counters, never the results themselves.

Decisions:

- pass@k is averaged over groups (`--by`, default `id`: the k samples of one problem
  share an id). Results whose group field is missing or null are counted in the status
  table but left out of pass@k (`ungrouped`), since they cannot be tied to a problem.
- Every sample of a problem counts toward its n, as papers count it: `invalid` (no lean
  block, a null generation), `timeout`, `crash`, `memory`, `fail` and `sorry` are
  failures; only `pass` counts toward c. (Leaving `invalid` out would raise pass@1.)
- pass@k is undefined for a problem with fewer than k samples: `--k 1,8,32` asks for
  any k, and a k above the smallest sample count `n_min` is left out with a note; by
  default k runs over the powers of two up to `n_min`, plus `n_min` itself.
- Blank lines are skipped; any other line that is not a JSON object with a known
  `status` (and a numeric `time`, if present) raises `StatsError` naming its line.
"""

from __future__ import annotations

import math
import re
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from leancli.errors import LeancliError
from leancli.records import Status
from leancli.reports import TRUST_ORDER, pass_trust, seconds_text, trust_text

PERCENTILES = (50, 90, 99)
SLOWEST = 5  # problems listed by the time all their samples took


class StatsError(LeancliError, ValueError):
    """A line of the results file that cannot be read."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k = 1 - C(n-c, k) / C(n, k) for n samples of which c pass.

    Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i), which avoids huge binomials.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        # Every k-subset contains a passing sample.
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def pass_at_k_values(n_min: int) -> list[int]:
    """Powers of two up to `n_min`, plus `n_min` itself if it is not one."""
    ks: list[int] = []
    k = 1
    while k <= n_min:
        ks.append(k)
        k *= 2
    if n_min >= 1 and ks[-1] != n_min:
        ks.append(n_min)
    return ks


def pass_at_k_table(
    groups: Iterable[tuple[int, int]], ks: Iterable[int], unbiased_from: int = 0
) -> tuple[dict[str, float], list[str]]:
    """pass@k averaged over problems of (n samples, c passes), for each k that is defined
    for every problem and unbiased (`unbiased_from`: --first-pass stopped sampling, so
    smaller k are not), and a note for each k left out."""
    sized = list(groups)
    n_min = min((n for n, _ in sized), default=0)
    values: dict[str, float] = {}
    notes: list[str] = []
    for k in ks:
        if not sized:
            break
        if k > n_min:
            notes.append(f"pass@{k} is undefined: a problem has only {n_min} samples")
        elif k < unbiased_from:
            notes.append(f"pass@{k} would be biased: --first-pass skipped samples")
        else:
            values[str(k)] = math.fsum(pass_at_k(n, c, k) for n, c in sized) / len(sized)
    return values, notes


def parse_ks(text: str) -> list[int]:
    """`1,8,32` as [1, 8, 32]; ValueError naming what is not a whole number >= 1."""
    ks = []
    for part in text.split(","):
        # ASCII digits only: int() refuses '²', which str.isdigit() accepts.
        if not re.fullmatch(r"[0-9]+", part.strip()) or int(part) < 1:
            raise ValueError(f"--k {text!r}: {part.strip()!r} is not a whole number >= 1")
        ks.append(int(part))
    return sorted(set(ks))


def _total(times: array[float]) -> float:
    """The exact sum; `inf` past the largest float (`--json` writes it as null)."""
    try:
        return math.fsum(times)
    except OverflowError:
        return math.inf


def percentile(sorted_values: array[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Stats:
    """Accumulates results one at a time; `summary()` gives the JSON-ready report."""

    by: str = "id"
    ks: list[int] | None = None  # --k; None: powers of two up to the smallest problem
    status_counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Status})
    times: array[float] = field(default_factory=lambda: array("d"))
    # group key -> [samples, passing samples]
    groups: dict[str, list[int]] = field(default_factory=dict)
    ungrouped: int = 0
    # What checking cost (results of leancli before 0.x lack it): per result, and the
    # time each problem took in all.
    cpu: array[float] = field(default_factory=lambda: array("d"))
    peak_rss_mb: array[float] = field(default_factory=lambda: array("d"))
    restarts: int = 0
    group_time: dict[str, float] = field(default_factory=dict)
    # Problems whose sampling --first-pass stopped: their count of passes is unknown.
    skipped_groups: set[str] = field(default_factory=set)
    passes_by_trust: dict[str, int] = field(default_factory=dict)  # lean, audit, kernel

    def add(self, data: dict[str, Any], line: int) -> None:
        """Count one result (a parsed JSONL object found at `line`)."""
        raw_status = data.get("status")
        try:
            status = Status(raw_status)
        except ValueError:
            raise StatsError(line, f"missing or unknown status {raw_status!r}") from None
        time = data.get("time", 0.0)
        # bool is an int subclass but never a valid time.
        if isinstance(time, bool) or not isinstance(time, (int, float)):
            raise StatsError(line, f"time is not a number: {time!r}")

        self.status_counts[status.value] += 1
        self.times.append(float(time))
        if (trust := pass_trust(data)) is not None:
            self.passes_by_trust[trust] = self.passes_by_trust.get(trust, 0) + 1
        self._add_cost(data)
        key = self._group_key(data.get(self.by))
        if key is not None:
            self.group_time[key] = self.group_time.get(key, 0.0) + float(time)
        if key is None:
            self.ungrouped += 1
            return
        counts = self.groups.setdefault(key, [0, 0])
        counts[0] += 1
        if status is Status.PASS:
            counts[1] += 1
        elif status is Status.SKIPPED:
            self.skipped_groups.add(key)

    def _add_cost(self, data: dict[str, Any]) -> None:
        for name, values in (("cpu", self.cpu), ("peak_rss_mb", self.peak_rss_mb)):
            value = data.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values.append(float(value))
        restarts = data.get("restarts")
        if isinstance(restarts, int) and not isinstance(restarts, bool):
            self.restarts += restarts

    def cost(self) -> dict[str, Any]:
        """Percentiles of `cpu` and `peak_rss_mb`, restarts, and the slowest problems."""
        found: dict[str, Any] = {}
        for name, values in (("cpu", self.cpu), ("peak_rss_mb", self.peak_rss_mb)):
            ordered = array("d", sorted(values))
            if ordered:
                found[name] = {f"p{p}": percentile(ordered, p) for p in PERCENTILES}
                found[name]["max"] = ordered[-1]
        found["restarts"] = self.restarts
        slowest = sorted(self.group_time.items(), key=lambda item: -item[1])[:SLOWEST]
        found["slowest"] = [{"problem": key, "time": total} for key, total in slowest]
        return found

    @staticmethod
    def _group_key(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        # Non-string fields (ints, lists) are grouped by their JSON text.
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()

    def _unbiased_from(self) -> int:
        # Where --first-pass skipped samples, a problem's passes are unknown: pass@k is
        # unbiased only for k at least that problem's samples (then it is 1).
        return max((self.groups[key][0] for key in self.skipped_groups), default=0)

    def pass_at_k(self) -> tuple[dict[str, float], list[str]]:
        """pass@k averaged over the groups for each k (`ks`, else the powers of two up to
        the smallest group), and a note for each k left out (examples/pass_at_k.py)."""
        n_min = min((n for n, _ in self.groups.values()), default=0)
        ks = self.ks if self.ks is not None else pass_at_k_values(n_min)
        groups = [(n, c) for n, c in self.groups.values()]
        return pass_at_k_table(groups, ks, self._unbiased_from())

    def summary(self) -> dict[str, Any]:
        """Counts per status, time percentiles, and pass@k averaged over groups."""
        times = array("d", sorted(self.times))
        time_stats: dict[str, float] | None = None
        if times:
            time_stats = {f"p{p}": percentile(times, p) for p in PERCENTILES}
            time_stats["max"] = times[-1]
            time_stats["total"] = _total(times)

        sizes = [n for n, _ in self.groups.values()]
        n_min = min(sizes, default=0)
        pass_k, notes = self.pass_at_k()
        if self.skipped_groups and self.ks is None:
            notes = [
                f"--first-pass skipped samples of {len(self.skipped_groups)} problems: pass@k "
                f"for k < {self._unbiased_from()} would be biased and is not reported"
            ]
        note = "; ".join(notes) or None
        return {
            "results": len(self.times),
            "status": dict(self.status_counts),
            "passes_by_trust": {
                t: self.passes_by_trust[t] for t in TRUST_ORDER if t in self.passes_by_trust
            },
            "time": time_stats,
            "by": self.by,
            "groups": len(self.groups),
            "ungrouped": self.ungrouped,
            "solved": sum(1 for _, c in self.groups.values() if c > 0),
            "samples": {"min": n_min, "max": max(sizes, default=0)},
            "pass_at_k": pass_k,
            "pass_at_k_note": note,
            "cost": self.cost(),
        }


def result_objects(lines: Iterable[bytes | str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each result line; StatsError names a line that is none.

    A byte-order mark before the first line is ignored, and so is a torn last line (no
    newline, not JSON: what a killed run leaves), as `check --resume` does.
    """
    torn: StatsError | None = None
    for number, line in enumerate(lines, start=1):
        raw = line.encode() if isinstance(line, str) else line
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        if torn is not None:  # the unreadable line was not the last one
            raise torn
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            torn = StatsError(number, f"not valid JSON ({exc})")
            if raw.endswith(b"\n"):
                raise torn from None
            continue
        if not isinstance(data, dict):
            raise StatsError(number, "not a JSON object")
        yield number, data


def collect(lines: Iterable[bytes | str], by: str = "id", ks: list[int] | None = None) -> Stats:
    """Read JSONL results line by line (1-based line numbers in errors)."""
    stats = Stats(by=by, ks=ks)
    for number, data in result_objects(lines):
        stats.add(data, number)
    return stats


def collect_path(source: str, by: str = "id", ks: list[int] | None = None) -> Stats:
    """`collect` over the file at `source`, or stdin when `source` is `-`."""
    if source == "-":
        return collect(sys.stdin.buffer, by, ks)
    with open(source, "rb") as stream:
        return collect(stream, by, ks)


def render(summary: dict[str, Any]) -> None:
    """Print `summary` as rich tables on stdout."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    total = summary["results"]

    status_table = Table(title=f"{total} results")
    status_table.add_column("status")
    status_table.add_column("count", justify="right")
    status_table.add_column("%", justify="right")
    for status, count in summary["status"].items():
        share = f"{100 * count / total:.1f}" if total else "-"
        status_table.add_row(status, str(count), share)
    console.print(status_table)
    if by_trust := trust_text(summary.get("passes_by_trust", {})):
        console.print(f"passes by trust: {by_trust}", markup=False, highlight=False)

    time_stats = summary["time"]
    if time_stats is not None:
        time_table = Table(title="time (s)")
        for name in time_stats:
            time_table.add_column(name, justify="right")
        time_table.add_row(*(seconds_text(value) for value in time_stats.values()))
        console.print(time_table)

    groups = summary["groups"]
    samples = summary["samples"]
    caption = f"{groups} groups by {summary['by']!r}, {summary['solved']} solved"
    if groups:
        caption += (
            f"; {samples['min']}-{samples['max']} samples each,"
            f" pass@k only for k <= {samples['min']}"
        )
    if summary["ungrouped"]:
        caption += f"; {summary['ungrouped']} results without {summary['by']!r} left out"
    if summary.get("pass_at_k_note"):
        caption += f"; {summary['pass_at_k_note']}"
    pass_table = Table(title="pass@k")
    pass_table.add_column("k", justify="right")
    pass_table.add_column("pass@k", justify="right")
    for k, value in summary["pass_at_k"].items():
        pass_table.add_row(k, f"{value:.4f}")
    console.print(pass_table)
    # Under the table rather than as its caption, which would wrap to the table's width.
    console.print(caption, style="dim", markup=False, highlight=False)
    _render_cost(console, summary["cost"])


def _render_cost(console: Any, cost: dict[str, Any]) -> None:
    from rich.table import Table

    for name, title in (("cpu", "REPL CPU (s)"), ("peak_rss_mb", "REPL peak memory (MiB)")):
        if name in cost:
            table = Table(title=title)
            for column in cost[name]:
                table.add_column(column, justify="right")
            table.add_row(*(seconds_text(value) for value in cost[name].values()))
            console.print(table)
    if cost["slowest"]:
        table = Table(title=f"slowest problems ({cost['restarts']} REPL restarts in all)")
        table.add_column("problem")
        table.add_column("time (s)", justify="right")
        for row in cost["slowest"]:
            table.add_row(row["problem"], seconds_text(row["time"]))
        console.print(table)
