"""CI report edges (issue 26): JUnit, annotations and step summary as CI users break them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL, FAKE_REPL_COMMAND, run_leancli, write_jsonl
from tests.helpers.junit_schemas import schema_errors


def _github_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_SHA": "abc123",
        "GITHUB_REPOSITORY": "owner/repo",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(tmp_path),
    }


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


# The failures left out of the annotations are listed first in the step summary; the
# closing notice says honestly where they are (and how many are nowhere without -o).
@pytest.mark.parametrize("count", [60, 70])
def test_every_failure_left_out_of_the_annotations_is_in_the_step_summary(
    tmp_path: Path, count: int
) -> None:
    rows = [{"id": f"prob{i:03d}", "code": FAIL.format(i=i)} for i in range(count)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli(
        "check",
        str(source),
        "--repl",
        FAKE_REPL_COMMAND,
        "--format",
        "github",
        env=_github_env(tmp_path),
    )
    assert done.returncode == 1, done.stderr
    annotations = done.stdout.decode()
    summary = (tmp_path / "summary.md").read_text()
    unlisted = [
        row["id"]
        for row in rows
        if f"sorry {row['id']}::" not in annotations
        and f"fail {row['id']}::" not in annotations
        and f"[{row['id']}]" not in summary
    ]
    if count == 60:
        assert "the step summary lists them" in annotations
        assert unlisted == [], f"{len(unlisted)} failures are listed nowhere: {unlisted[:5]}"
    else:
        assert 0 < len(unlisted) <= 10  # (the "Slowest" table may list one)
        assert "10 are listed nowhere: pass -o FILE" in annotations


# A sorry's annotation, summary row and JUnit message are the sorry's own warning, not an
# earlier linter warning's.
def test_sorry_annotation_points_at_the_sorry_not_at_an_earlier_linter_warning(
    tmp_path: Path,
) -> None:
    body = (
        "theorem a : True := by\n  have h : 1 = 1 := rfl\n  trivial\n\ntheorem b : False := sorry\n"
    )
    (tmp_path / "Lint.lean").write_text(body)
    answer = {
        "sorries": [
            {
                "proofState": 0,
                "pos": {"line": 5, "column": 21},
                "goal": "⊢ False",
                "endPos": {"line": 5, "column": 26},
            }
        ],
        "messages": [
            {
                "severity": "warning",
                "pos": {"line": 2, "column": 7},
                "endPos": {"line": 2, "column": 8},
                "data": "unused variable `h`\n\nNote: This linter can be disabled with "
                "`set_option linter.unusedVariables false`",
            },
            {
                "severity": "warning",
                "pos": {"line": 5, "column": 8},
                "endPos": {"line": 5, "column": 9},
                "data": "declaration uses `sorry`",
            },
        ],
        "env": 0,
    }
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    variants = [body, body.rstrip("\n"), body + "\n"]
    (transcripts / "lint.in").write_text("".join(json.dumps({"cmd": v}) + "\n\n" for v in variants))
    (transcripts / "lint.expected.out").write_text(
        "".join(json.dumps(answer, indent=1) + "\n\n" for _ in variants)
    )
    repl = f"{sys.executable} {FAKE_REPL}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leancli",
            "check",
            "Lint.lean",
            "--repl",
            repl,
            "--pass-env",
            "FAKE_REPL_TRANSCRIPTS",
            "--format",
            "github",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **_github_env(tmp_path), "FAKE_REPL_TRANSCRIPTS": str(transcripts)},
    )
    assert done.returncode == 1, done.stderr
    (annotation,) = done.stdout.decode().splitlines()
    assert annotation.startswith("::warning "), annotation
    assert ",line=5," in annotation and "sorry" in annotation.split("::", 2)[2], annotation


# Two inputs whose classnames would be alike (x.y.jsonl, x_y.jsonl) get distinct ones.
# Issue 26, 1: "every testcase name unique within its class". Two JSONL inputs whose
# names differ only by a `.` and a `_` get one classname, and their rows one name:
# GitLab keeps only the first of them.
def test_junit_rows_of_two_inputs_never_share_classname_and_name(tmp_path: Path) -> None:
    row = {"id": "p", "code": FAIL.format(i=1)}
    write_jsonl(tmp_path / "x.y.jsonl", [row])
    write_jsonl(tmp_path / "x_y.jsonl", [row])
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leancli",
            "check",
            "x.y.jsonl",
            "x_y.jsonl",
            "--repl",
            FAKE_REPL_COMMAND,
            "--junit",
            str(report),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    keys = re.findall(r'<testcase classname="([^"]*)" name="([^"]*)"', report.read_text())
    assert len(keys) == 2 and len(set(keys)) == 2, keys
