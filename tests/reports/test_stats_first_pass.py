"""`stats --by problem` after a --first-pass run: pass@k as papers report it (issue 23
item 3, issue 22 defect 16; regression found by adv-trainers)."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.helpers.common import FAKE_REPL_COMMAND, run_leancli, write_jsonl

FENCE = "`" * 3
GOOD = f"Proof:\n{FENCE}lean4\ntheorem t1 : 2 + 2 = 4 := by\n  norm_num\n{FENCE}\n"


def _samples() -> list[dict[str, object]]:
    # Problem p1: 1 proof out of 4 samples (3 answers with no lean block);
    # problem p2: 4 samples, none with a lean block (one a null generation).
    rows: list[dict[str, object]] = []
    for i in range(4):
        rows.append({"id": f"p1-{i}", "name": "p1", "out": GOOD if i == 0 else "I give up."})
    for i in range(4):
        rows.append({"id": f"p2-{i}", "name": "p2", "out": None if i == 3 else "no code"})
    return rows


def test_first_pass_stats_by_problem_counts_invalid_samples_as_failures(tmp_path: Path) -> None:
    # Issue 23, item 3: "samples that are `invalid`, `timeout`, `crash` or `memory` count
    # as failures (today `invalid` ones are dropped, which raises pass@1)" (issue 22,
    # defect 16). Under --first-pass, the docs say "results carry `problem`, so `leancli
    # stats --by problem` groups them" — but an invalid result (no lean block, a null
    # generation) carries no `problem`: stats --by problem leaves it out ("ungrouped"),
    # and reports pass@1 = 1.0 over one problem instead of (1/4 + 0/4) / 2 = 0.125.
    source = write_jsonl(tmp_path / "samples.jsonl", _samples())
    output = tmp_path / "results.jsonl"
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "--workers", "1", "-q",
        "--code-field", "out", "--extract", "last-block", "--first-pass", "name",
        "-o", str(output),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    stats = run_leancli("stats", str(output), "--by", "problem", "--k", "1", "--json")
    assert stats.returncode == 0, stats.stderr
    summary = orjson.loads(stats.stdout)
    assert summary["groups"] == 2
    assert summary["ungrouped"] == 0
    assert abs(summary["pass_at_k"]["1"] - 0.125) < 1e-9
