"""What each check cost: `cpu`, `peak_rss_mb` and `restarts` of the REPL's process tree."""

from __future__ import annotations

import leancli


def test_results_carry_the_repls_cpu_memory_peak_and_restarts(fake_repl: str) -> None:
    snippets = [
        "theorem a : True := trivial",
        "theorem b : True := trivial\n-- fake: eat 150",  # the REPL holds 150 MiB more
        "theorem c : True := trivial\n-- fake: hang",  # killed at the timeout
        "theorem d : True := trivial",  # on the fresh REPL that replaced it
    ]
    with leancli.Checker(repl=fake_repl, workers=1, timeout=3) as checker:
        first, eater, hung, after = checker.check(snippets)
    assert [r.status for r in (first, eater, hung, after)] == [
        leancli.Status.PASS, leancli.Status.PASS, leancli.Status.TIMEOUT, leancli.Status.PASS,
    ]  # fmt: skip
    assert first.peak_rss_mb is not None and eater.peak_rss_mb is not None
    assert eater.peak_rss_mb >= first.peak_rss_mb + 140
    assert after.peak_rss_mb is not None and after.peak_rss_mb < eater.peak_rss_mb - 100
    # Touching 150 MiB takes CPU; the REPL's own, not leancli's.
    assert eater.cpu is not None and eater.cpu > 0
    # The hung snippet ended its REPL: it caused the restart, not the next one.
    assert (first.restarts, eater.restarts, hung.restarts, after.restarts) == (0, 0, 1, 0)
    assert "cpu" not in leancli.Result(leancli.Status.INVALID, line=1, id=None).to_dict()
