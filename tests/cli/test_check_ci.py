"""`leancli check PATH...` as a CI job runs it: .lean files, directories and Markdown,
several inputs at once, `--format github`, `--junit`, and `--resume` across inputs.

The simulated REPL (tests/helpers/fake_repl.py --model) answers `sorry` with Lean's sorry
warning and `-- fake: error` with an error at that line.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import junitparser
import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl
from tests.helpers.junit_schemas import schema_errors

GUIDE = """\
# Guide

```lean
import Mathlib
theorem a : True := trivial
```

1. An example that must fail:

   ```lean fails
   import Mathlib
   theorem b : False := by
     -- fake: error
   ```

```lean skip
this is not Lean
```

```lean4
import Mathlib
theorem c : True := by
  -- fake: error
```
"""
ERROR_LINE_OF_C = 23  # `-- fake: error` of the last block, in the .md file's lines
NO_CI_ENV = {"GITHUB_STEP_SUMMARY": "", "GITHUB_WORKSPACE": "", "GITHUB_SHA": ""}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """docs/guide.md, proofs/ with two .lean files (one failing), and a JSONL file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(GUIDE)
    (tmp_path / "proofs" / "sub").mkdir(parents=True)
    (tmp_path / "proofs" / "ok.lean").write_text("theorem ok : True := trivial\n")
    (tmp_path / "proofs" / "sub" / "bad.lean").write_text(
        "theorem bad : True := by\n  -- fake: error\n  trivial\n"
    )
    write_jsonl(tmp_path / "in.jsonl", [{"id": "j1", "code": "theorem j : True := trivial"}])
    return tmp_path


def _check(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return run_leancli(
        "check",
        *args,
        "--repl",
        FAKE_REPL_COMMAND,
        "--workers",
        "1",
        "--no-progress",
        input=stdin,
        env={**NO_CI_ENV, **(env or {})},
    )


def _by_id(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {result["id"]: result for result in results}


def test_every_input_kind_in_one_run(project: Path) -> None:
    stdin = b'{"id": "s1", "code": "theorem s : True := sorry"}\n'
    done = _check("docs/guide.md", "proofs", "in.jsonl", "-", stdin=stdin)
    assert done.returncode == 1, done.stderr
    results = read_jsonl(done.stdout)
    found = {r["id"]: (r["line"], r["status"], r["source"], r["source_line"]) for r in results}
    assert found == {
        "docs/guide.md:3": (1, "pass", "docs/guide.md", 3),
        "docs/guide.md:10": (2, "pass", "docs/guide.md", 10),  # `lean fails`, and it failed
        "docs/guide.md:20": (3, "fail", "docs/guide.md", 20),
        "proofs/ok.lean": (4, "pass", "proofs/ok.lean", 1),
        "proofs/sub/bad.lean": (5, "fail", "proofs/sub/bad.lean", 1),
        "j1": (6, "pass", "in.jsonl", 1),
        "s1": (7, "sorry", "-", 1),
    }
    by_id = _by_id(results)
    assert (by_id["docs/guide.md:10"]["expected"], by_id["docs/guide.md:10"]["verdict"]) == (
        "fail",
        "fail",
    )
    (error,) = by_id["docs/guide.md:20"]["messages"]
    assert error["pos"]["line"] == 3  # the snippet's own lines, as always
    assert error["source_pos"] == {"line": ERROR_LINE_OF_C, "column": 0}
    assert GUIDE.split("\n")[ERROR_LINE_OF_C - 1] == "  -- fake: error"
    # The indented block: its line and the column of the list item's indentation.
    (expected,) = by_id["docs/guide.md:10"]["messages"]
    assert expected["source_pos"] == {"line": 13, "column": 3}
    assert by_id["proofs/sub/bad.lean"]["messages"][0]["source_pos"]["line"] == 2


def test_blocks_that_share_a_header_import_it_once(project: Path, import_log: Path) -> None:
    done = _check("docs/guide.md")
    assert done.returncode == 1, done.stderr
    imports = [line for line in import_log.read_text().splitlines() if "Mathlib" in line]
    assert len(imports) == 1, imports  # three blocks, one `import Mathlib`


def test_a_fails_block_that_passes_fails_the_run(project: Path) -> None:
    (project / "only.md").write_text("```lean fails\ntheorem t : True := trivial\n```\n")
    done = _check("only.md")
    assert done.returncode == 1
    (result,) = read_jsonl(done.stdout)
    assert (result["status"], result["verdict"]) == ("fail", "pass")
    assert "must fail" in result["error"]


def test_failing_as_expected_is_a_success(project: Path) -> None:
    (project / "only.md").write_text(
        "```lean fails\ntheorem t : True := by\n  -- fake: error\n```\n"
    )
    done = _check("only.md")
    assert done.returncode == 0, done.stderr
    assert read_jsonl(done.stdout)[0]["status"] == "pass"


def test_identical_snippets_of_different_inputs_are_checked_once(project: Path) -> None:
    (project / "copy.lean").write_text("theorem ok : True := trivial\n")
    done = _check("proofs/ok.lean", "copy.lean")
    results = _by_id(read_jsonl(done.stdout))
    assert results["copy.lean"]["duplicate_of"] == results["proofs/ok.lean"]["line"]


def test_github_format_annotates_failures_at_their_source_lines(project: Path) -> None:
    summary = project / "summary.md"
    summary.write_text("earlier step\n")
    # The command: a directory gives its .lean files and its Markdown.
    done = _check("docs", "proofs", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.decode().splitlines()
    # No JSONL on stdout in this mode without -o: only the workflow commands.
    assert lines == [
        f"::error file=docs/guide.md,line={ERROR_LINE_OF_C},endLine={ERROR_LINE_OF_C},col=1,"
        "endColumn=1,title=leancli%3A fail docs/guide.md%3A20::unsolved goals%0A⊢ False",
        "::error file=proofs/sub/bad.lean,line=2,endLine=2,col=1,endColumn=1,"
        "title=leancli%3A fail proofs/sub/bad.lean::unsolved goals%0A⊢ False",
    ]
    text = summary.read_text()
    assert text.startswith("earlier step\n### leancli: 5 snippets, 3 passed, 2 failed")
    assert f"[docs/guide.md:20](docs/guide.md?plain=1#L{ERROR_LINE_OF_C})" in text
    assert "| skipped | 1 |" in text


def test_github_format_keeps_within_githubs_annotation_limits(project: Path) -> None:
    bad = [
        {"id": f"b{n}", "code": f"theorem b{n} : True := by\n  -- fake: error\n"} for n in range(12)
    ]
    sorry = [{"id": f"s{n}", "code": f"theorem s{n} : True := sorry"} for n in range(11)]
    write_jsonl(project / "many.jsonl", bad + sorry)
    done = _check("many.jsonl", "--format", "github")
    assert done.returncode == 1, done.stderr
    kinds = [line.split(" ", 1)[0] for line in done.stdout.decode().splitlines()]
    assert kinds == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"]
    notice = done.stdout.decode().splitlines()[-1]
    assert "3 more" in notice and "2 errors" in notice and "1 warning" in notice


def test_github_format_escapes_what_lean_says(project: Path, tmp_path: Path) -> None:
    """A recorded answer (FAKE_REPL_TRANSCRIPTS) whose message has `%`, `:`, `,` and
    line breaks, in a file whose name has them too."""
    code = "example : True := by\n  weird\n"
    message = "100% sure: unknown tactic, really\r\nsee %0A"
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    (recordings / "x.in").write_text(json.dumps({"cmd": code}) + "\n")
    answer = {
        "messages": [
            {
                "severity": "error",
                "pos": {"line": 2, "column": 2},
                "endPos": {"line": 2, "column": 7},
                "data": message,
            }
        ],
        "env": 0,
    }
    (recordings / "x.expected.out").write_text(json.dumps(answer) + "\n")
    (project / "100%, odd: name.md").write_text(f"text\n\n```lean\n{code}```\n")
    done = _check(
        "100%, odd: name.md",
        "--format",
        "github",
        "--no-audit",
        env={"FAKE_REPL_TRANSCRIPTS": str(recordings)},
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode() == (
        "::error file=100%25%2C odd%3A name.md,line=5,endLine=5,col=3,endColumn=7,"
        "title=leancli%3A fail 100%25%2C odd%3A name.md%3A3"
        "::100%25 sure: unknown tactic, really%0D%0Asee %250A\n"
    )


def test_github_format_with_o_writes_results_to_the_file(project: Path) -> None:
    done = _check("proofs", "--format", "github", "-o", "out.jsonl")
    assert done.returncode == 1
    assert done.stdout.decode().startswith("::error file=proofs/sub/bad.lean,line=2")
    assert len(done.stdout.decode().splitlines()) == 1
    assert [r["id"] for r in read_jsonl((project / "out.jsonl").read_bytes())] == [
        "proofs/ok.lean",
        "proofs/sub/bad.lean",
    ]


def test_junit_report_of_several_inputs(project: Path) -> None:
    done = _check("docs/guide.md", "proofs", "in.jsonl", "--junit", "report.xml")
    assert done.returncode == 1, done.stderr
    (suite,) = list(junitparser.JUnitXml.fromfile(str(project / "report.xml")))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (7, 2, 0, 1)
    cases = {(case.classname, case.name): case for case in suite}
    assert set(cases) == {
        ("docs.guide", "docs/guide.md:3"),
        ("docs.guide", "docs/guide.md:10"),
        ("docs.guide", "docs/guide.md:16"),
        ("docs.guide", "docs/guide.md:20"),
        ("proofs.ok", "proofs/ok.lean"),
        ("proofs.sub.bad", "proofs/sub/bad.lean"),
        ("in", "j1 (line 1)"),
    }
    failure = cases[("docs.guide", "docs/guide.md:20")].result[0]
    assert f"docs/guide.md:{ERROR_LINE_OF_C}:1: error: unsolved goals" in failure.text
    skipped = cases[("docs.guide", "docs/guide.md:16")].result[0]
    assert isinstance(skipped, junitparser.Skipped) and "lean skip" in skipped.message
    assert schema_errors(project / "report.xml") == {}


def test_resume_across_several_inputs(project: Path, tmp_path: Path) -> None:
    inputs = ["docs/guide.md", "proofs", "in.jsonl"]
    first = _check(*inputs, "-o", "out.jsonl")
    assert first.returncode == 1
    full = read_jsonl((project / "out.jsonl").read_bytes())
    # Keep the first three results (one of them a failure), as an interrupted run would.
    kept = (project / "out.jsonl").read_bytes().splitlines(keepends=True)[:3]
    (project / "out.jsonl").write_bytes(b"".join(kept))
    commands = tmp_path / "commands.log"
    again = _check(
        *inputs, "-o", "out.jsonl", "--resume", "--junit", "r.xml",
        env={"FAKE_REPL_COMMANDS": str(commands)},
    )  # fmt: skip
    assert again.returncode == 1, again.stderr
    resumed = read_jsonl((project / "out.jsonl").read_bytes())
    assert sorted(r["line"] for r in resumed) == sorted(r["line"] for r in full)

    def verdicts(results: list[dict[str, Any]]) -> dict[str, tuple[int, str, int]]:
        return {r["id"]: (r["line"], r["status"], r["source_line"]) for r in results}

    assert verdicts(resumed) == verdicts(full)
    checked = commands.read_text()
    assert "theorem a" not in checked and "theorem ok" in checked  # only the missing ones
    # The report covers the whole input, the kept results included.
    (suite,) = list(junitparser.JUnitXml.fromfile(str(project / "r.xml")))
    assert suite.tests == len(full) + 1  # and the skipped block


def test_resume_refuses_inputs_that_changed(project: Path) -> None:
    assert _check("docs/guide.md", "-o", "out.jsonl").returncode == 1
    (project / "docs" / "guide.md").write_text("\n" + GUIDE)  # every block one line down
    again = _check("docs/guide.md", "-o", "out.jsonl", "--resume")
    assert again.returncode == 2
    assert b"for another id" in again.stderr


def test_inputs_are_checked_before_any_repl_starts(project: Path) -> None:
    (project / "empty").mkdir()
    done = _check("proofs", "empty")
    assert done.returncode == 2
    assert b"empty: no file in it matches --glob '*.lean' --glob '*.md'" in done.stderr
    assert done.stdout == b""


def test_a_run_stopped_by_sigterm_still_writes_its_report(project: Path) -> None:
    """A CI job's time limit ends the run with SIGTERM: the report has what was checked."""
    rows = [{"id": str(n), "code": f"-- fake: sleep 0.3\nexample : True := trivial -- {n}"}
            for n in range(100)]  # fmt: skip
    write_jsonl(project / "slow.jsonl", rows)
    command = [sys.executable, "-m", "leancli", "check", "slow.jsonl", "-o", "out.jsonl",
               "--junit", "report.xml", "--repl", FAKE_REPL_COMMAND, "-w", "1"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output = project / "out.jsonl"
    deadline = time.monotonic() + 60
    while not (output.exists() and output.read_bytes().count(b"\n") >= 2):
        assert time.monotonic() < deadline, "no results"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    (suite,) = list(junitparser.JUnitXml.fromfile(str(project / "report.xml")))
    assert suite.tests == len(read_jsonl(output.read_bytes())) < len(rows)
