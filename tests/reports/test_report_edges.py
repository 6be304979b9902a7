"""CI report edges (issue 26): JUnit, annotations and step summary as CI users break them."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, run_leancli, write_jsonl
from tests.helpers.junit_schemas import schema_errors

FAIL = "theorem t{i} : True := by\n  -- fake: error\n  trivial"


# Results kept by --resume whose times sum past the largest float: the suite's time stays
# a finite decimal both schemas accept.
def test_junit_report_stays_valid_when_kept_results_sum_past_the_largest_float(
    tmp_path: Path,
) -> None:
    rows = [{"id": f"p{i}", "code": FAIL.format(i=i)} for i in (1, 2)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    kept: list[dict[str, object]] = [
        {
            "id": f"p{i}",
            "line": i,
            "status": "fail",
            "time": 1e308,
            "messages": [],
            "sorries": [],
            "error": "unsolved goals",
        }
        for i in (1, 2)
    ]
    output = write_jsonl(tmp_path / "out.jsonl", kept)
    report = tmp_path / "report.xml"
    done = run_leancli(
        "check",
        str(source),
        "--repl",
        FAKE_REPL_COMMAND,
        "-o",
        str(output),
        "--resume",
        "--junit",
        str(report),
    )
    assert done.returncode == 1, done.stderr
    assert schema_errors(report) == {}


# Issue 26, 1: "failure text `FILE:LINE:COL` with the input's line (a JSONL line number,
