"""CI report edges (from adv-ci): where JUnit and annotations place results.

Each test names the behaviour a CI user expects and quotes the issue requirement it
breaks. They run the installed CLI in a real process with the tests' fake REPL."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, run_leancli, write_jsonl

FAIL = "theorem t{i} : True := by\n  -- fake: error\n  trivial"


def _github_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_SHA": "abc123",
        "GITHUB_REPOSITORY": "owner/repo",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(tmp_path),
    }


# Issue 26, 1: "failure text `FILE:LINE:COL` with the input's line (a JSONL line number,
# or the line in a .lean/.md file) ... as the annotations use". A timeout, a crash, an
# invalid snippet or a refusal has no Lean message: the annotation still gives
# file=doc.md,line=3, but the JUnit body is the bare error with no FILE:LINE at all.
def test_junit_failure_text_names_file_and_line_for_a_timeout_and_a_refusal(
    tmp_path: Path,
) -> None:
    (tmp_path / "Hang.lean").write_text("theorem a : True := by\n  -- fake: hang\n  trivial\n")
    (tmp_path / "doc.md").write_text(
        "# Doc\n\nText.\n\n```lean\ntheorem ok : True := trivial\naxiom cheat : False\n```\n"
    )
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leancli",
            "check",
            "Hang.lean",
            "doc.md",
            "--repl",
            FAKE_REPL_COMMAND,
            "--timeout",
            "1",
            "--junit",
            str(report),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    text = report.read_text()
    bodies = re.findall(r"<(?:failure|error)[^>]*>([^<]*)</", text)
    assert len(bodies) == 2, text
    for body in bodies:
        assert re.match(r"(Hang\.lean|doc\.md):\d+(:\d+)?: ", body), body


# Issue 26, 1: "a `--first-pass` skip says why it was skipped" and (docs/ci.md) "names
# the line of the sample that passed". With two inputs the reason names the run-wide
# line (4), while the passing sample's own row is "(line 1)" of its file.
def test_first_pass_skip_names_the_passing_samples_line_in_its_own_file(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "x", "problem": "X", "code": "theorem x : True := trivial"}] * 3,
    )
    samples = [
        {
            "id": "A",
            "problem": "A",
            "code": f"theorem t{i} : True := by\n  -- fake: sleep 0.3\n  trivial",
        }
        for i in range(4)
    ]
    write_jsonl(tmp_path / "b.jsonl", samples)
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leancli",
            "check",
            "a.jsonl",
            "b.jsonl",
            "--repl",
            FAKE_REPL_COMMAND,
            "--workers",
            "1",
            "--first-pass",
            "problem",
            "--junit",
            str(report),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = report.read_text()
    passed = re.search(r'<testcase classname="b" name="A \(line (\d+)\)"[^>]*/>', text)
    assert passed is not None, text
    reasons = set(re.findall(r'classname="b"[^>]*><skipped message="[^"]*\(line (\d+)\)"', text))
    assert reasons == {passed.group(1)}, (passed.group(1), reasons)


# Issue 26 (the brief: "a results file from an older leancli fed to the reports"), and
# docs/ci.md: "classname is the source's path ... standard input is stdin". Results kept
# by --resume from a results file written before `source` existed are reported under
# classname "stdin" and annotated with no file, though the run knows they came from
# in.jsonl (it resumes them by line).
def test_results_kept_from_an_older_leancli_are_reported_under_their_input(tmp_path: Path) -> None:
    rows = [{"id": f"p{i}", "code": FAIL.format(i=i)} for i in (1, 2)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    kept: list[dict[str, object]] = [
        {
            "id": f"p{i}",
            "line": i,
            "status": "fail",
            "time": 0.5,
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
    classnames = set(re.findall(r'<testcase classname="([^"]*)"', report.read_text()))
    assert "stdin" not in classnames, classnames
