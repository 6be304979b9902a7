"""adv-trainers: what each check cost and the run's receipt (issue 23 items 5 and 6).
Each test fails today."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl

FENCE = "`" * 3


def test_receipt_records_the_extract_mode_that_changed_the_verdicts(tmp_path: Path) -> None:
    # Issue 23, item 6: "-o FILE also writes FILE.receipt.json: ... options that change a
    # verdict, the input's hash". `--extract first-block` and `--extract last-block` of one
    # answer give different verdicts (here `sorry` vs `pass`), yet the two receipts are
    # identical in `options` and `inputs`: the run cannot be reproduced from its receipt.
    answer = (
        f"Draft:\n{FENCE}lean4\ntheorem t : True := by\n  sorry\n{FENCE}\n"
        f"Final:\n{FENCE}lean4\ntheorem t : True := trivial\n{FENCE}\n"
    )
    source = write_jsonl(tmp_path / "answers.jsonl", [{"id": "a", "out": answer}])
    receipts = {}
    for mode in ("first-block", "last-block"):
        output = tmp_path / f"{mode}.jsonl"
        done = run_leancli(
            "check", str(source), "--repl", FAKE_REPL_COMMAND, "--workers", "1", "-q",
            "--code-field", "out", "--extract", mode, "-o", str(output),
        )  # fmt: skip
        assert done.returncode in (0, 1), done.stderr
        receipts[mode] = orjson.loads((tmp_path / f"{mode}.jsonl.receipt.json").read_bytes())
    first, last = receipts["first-block"], receipts["last-block"]
    assert first["counts"] != last["counts"]  # the verdicts differ ...
    assert first["options"] != last["options"]  # ... so the options must say why


def test_stats_does_not_print_a_receipt_of_another_run(tmp_path: Path) -> None:
    # Issue 23, item 6: "`stats` prints it when present". A results file rewritten by a
    # later run to stdout (`leancli check other.jsonl > results.jsonl`) keeps the first
    # run's results.jsonl.receipt.json beside it; `stats` presents that receipt (another
    # input's hash, other counts) as the receipt of these results, unchecked.
    first = write_jsonl(
        tmp_path / "first.jsonl", [{"id": "a", "code": "theorem a : True := trivial\n"}]
    )
    second = write_jsonl(
        tmp_path / "second.jsonl",
        [{"id": f"b{i}", "code": f"theorem b{i} : True := by\n  sorry\n"} for i in range(3)],
    )
    results = tmp_path / "results.jsonl"
    done = run_leancli("check", str(first), "--repl", FAKE_REPL_COMMAND, "-q", "-o", str(results))
    assert done.returncode == 0, done.stderr
    done = run_leancli("check", str(second), "--repl", FAKE_REPL_COMMAND, "-q")
    assert done.returncode == 1, done.stderr
    results.write_bytes(done.stdout)
    stats = run_leancli("stats", str(results), "--json")
    assert stats.returncode == 0, stats.stderr
    summary = orjson.loads(stats.stdout)
    receipt = summary.get("receipt")
    # Either no receipt, or one that describes these 3 results.
    assert receipt is None or receipt["results"] == summary["results"] == 3


def test_cpu_of_a_snippet_whose_repl_crashed_is_not_zero(tmp_path: Path) -> None:
    # Issue 23, item 5: "results carry `cpu` (CPU seconds of the REPL for this snippet)".
    # A REPL that works (here: touches 600 MiB, about 0.5 s of CPU, as `-- fake: eat`
    # does) and then dies on its own (a Lean stack overflow or panic) is reported with
    # "cpu": 0.0, while the same work ending in a timeout is reported with ~0.5 s: the
    # crashed process's CPU is never read, and stats' percentiles count it as free.
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": "c", "code": "theorem a : True := trivial\n-- fake: eat 600\n-- fake: crash\n"}],
    )
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "--workers", "1", "-q")
    (result,) = read_jsonl(done.stdout)
    assert result["status"] == "crash", result
    assert result["cpu"] is None or result["cpu"] > 0.1, result
