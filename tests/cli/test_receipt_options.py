"""The run's receipt (issue 23 item 6): the input options that change verdicts, and
`stats` never presenting another run's receipt (regressions found by adv-trainers)."""

from __future__ import annotations

from pathlib import Path

import orjson

import leancli
from tests.helpers.common import FAKE_REPL_COMMAND, run_leancli, write_jsonl

FENCE = "`" * 3
INPUT_OPTIONS = (
    "code_field", "template", "extract", "statement_field", "preamble_field", "first_pass",
    "passes",
)  # fmt: skip


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


def test_receipt_records_every_input_option_that_changes_what_is_checked(
    tmp_path: Path,
) -> None:
    statement = "theorem t : True := by\n"
    answer = f"{FENCE}lean4\n{statement}  trivial\n{FENCE}\n"
    row = {"id": "a", "name": "p", "out": answer, "stmt": statement, "pre": ""}
    source = write_jsonl(tmp_path / "answers.jsonl", [row])
    output = tmp_path / "results.jsonl"
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "--workers", "1", "-q",
        "--code-field", "out", "--extract", "first-block", "--template", "{pre}",
        "--statement-field", "stmt", "--preamble-field", "pre",
        "--first-pass", "name", "--passes", "2", "-o", str(output),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    options = orjson.loads((tmp_path / "results.jsonl.receipt.json").read_bytes())["options"]
    assert {key: options[key] for key in INPUT_OPTIONS} == {
        "code_field": "out",
        "template": "{pre}",
        "extract": "first-block",
        "statement_field": "stmt",
        "preamble_field": "pre",
        "first_pass": "name",
        "passes": 2,
    }


def test_checker_receipt_records_its_extract_mode() -> None:
    with leancli.Checker(repl=FAKE_REPL_COMMAND, workers=1, extract="whole") as checker:
        assert checker.receipt()["options"]["extract"] == "whole"


def test_stats_says_why_it_leaves_out_a_stale_receipt(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"id": "a", "code": "theorem a : True := trivial\n"}]
    )
    results = tmp_path / "results.jsonl"
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-q", "-o", str(results))
    assert done.returncode == 0, done.stderr
    shown = run_leancli("stats", str(results))
    assert b"receipt " in shown.stdout and b"note:" not in shown.stderr
    with results.open("ab") as handle:  # what a later run appending to it would do
        handle.write(results.read_bytes())
    stale = run_leancli("stats", str(results))
    assert stale.returncode == 0, stale.stderr
    assert b"receipt " not in stale.stdout
    assert b"is not these results' receipt" in stale.stderr
