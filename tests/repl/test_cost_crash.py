"""What a snippet cost when its REPL crashed (issue 23 item 5; regression found by
adv-trainers): its CPU is counted, as a timeout's is."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl


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
