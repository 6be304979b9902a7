"""The benchmark scripts still run and still find what they measure (a small run each).

Figures are not asserted (they live in benchmarks/README.md); what is asserted is what the
scripts themselves count: chaos's lost, duplicated and torn results, all zero.
"""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers.common import REPO


def test_the_chaos_benchmark_loses_and_duplicates_nothing_in_a_small_run() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "chaos.py"), "--snippets", "120"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = re.findall(
        r"^(clean|chaos)\s+\S+\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", done.stdout, re.M
    )
    assert [name for name, *_ in rows] == ["clean", "chaos"], done.stdout
    for name, *counts in rows:
        assert counts == ["0", "0", "0", "0"], (name, done.stdout)
