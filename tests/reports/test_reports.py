"""CI reports: GitHub workflow commands and step summary, JUnit XML, `stats --markdown`."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import junitparser
import pytest

from leancli.reports.github import (
    annotation,
    escape_data,
    escape_property,
    link_base,
    workflow_command,
)
from leancli.reports.junit import JUnitReport
from leancli.reports.markdown import FAILURES_SHOWN, SLOWEST_SHOWN, Summary
from tests.helpers.common import run_leancli, write_jsonl

NASTY = "100% sure: x, y\r\nnext line %0A"


def _unescape_data(text: str) -> str:
    """As GitHub's runner reads a message back (actions/runner ActionCommand.cs)."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _parse(command: str) -> tuple[str, dict[str, str], str]:
    """A workflow command line split as the runner splits it: at `::`, ` ` and `,`."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", command)
    assert match is not None, command
    properties = {}
    for pair in (match.group(2) or "").split(","):
        if pair:
            name, _, value = pair.partition("=")
            properties[name] = _unescape_property(value)
    return match.group(1), properties, _unescape_data(match.group(3))


def test_messages_escape_percent_and_line_breaks_only() -> None:
    assert escape_data(NASTY) == "100%25 sure: x, y%0D%0Anext line %250A"
    assert _unescape_data(escape_data(NASTY)) == NASTY


def test_properties_escape_colons_and_commas_too() -> None:
    assert escape_property(NASTY) == "100%25 sure%3A x%2C y%0D%0Anext line %250A"
    assert _unescape_property(escape_property(NASTY)) == NASTY


def _failed(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "docs/a,b.md:10",
        "line": 2,
        "status": "fail",
        "time": 0.5,
        "messages": [
            {"severity": "warning", "pos": {"line": 1, "column": 0}, "data": "unused"},
            {
                "severity": "error",
                "pos": {"line": 3, "column": 2},
                "endPos": {"line": 3, "column": 6},
                "data": NASTY,
                "source_pos": {"line": 13, "column": 4},
                "source_end_pos": {"line": 13, "column": 8},
            },
        ],
        "sorries": [],
        "error": NASTY,
        "source": "docs/a,b.md",
        "source_line": 10,
    }
    data.update(fields)
    return data


def test_an_annotation_points_at_the_error_in_the_source_file() -> None:
    command = annotation(_failed())
    assert command is not None and "\n" not in command and "\r" not in command
    name, properties, message = _parse(command)
    assert name == "error"
    # Lean's columns count from 0, GitHub's from 1.
    assert properties == {
        "file": "docs/a,b.md",
        "line": "13",
        "endLine": "13",
        "col": "5",
        "endColumn": "8",
        "title": "leancli: fail docs/a,b.md:10",
    }
    assert message == NASTY


def test_a_span_over_several_lines_gives_no_columns() -> None:
    data = _failed()
    data["messages"][1]["source_end_pos"] = {"line": 15, "column": 1}
    _, properties, _ = _parse(annotation(data) or "")
    assert (properties["line"], properties["endLine"]) == ("13", "15")
    assert "col" not in properties and "endColumn" not in properties


def test_a_failure_without_a_message_points_at_the_snippet() -> None:
    data = _failed(status="timeout", messages=[], error="timed out after 60 s")
    _, properties, message = _parse(annotation(data) or "")
    assert properties["line"] == "10" and message == "timed out after 60 s"


def test_paths_are_given_relative_to_the_github_workspace(tmp_path: Path) -> None:
    data = _failed(source=str(tmp_path / "docs" / "a.md"))
    _, properties, _ = _parse(annotation(data, workspace=str(tmp_path)) or "")
    assert properties["file"] == "docs/a.md"


def test_passing_and_skipped_results_get_no_annotation() -> None:
    assert annotation(_failed(status="pass")) is None
    assert annotation({"id": "x", "status": "skipped"}) is None


def test_a_command_without_properties_has_no_space() -> None:
    assert workflow_command("error", {"file": None}, "m") == "::error::m"


def test_links_point_at_the_commit_in_a_workflow_run() -> None:
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_SHA": "c0",
    }
    assert link_base(env) == "https://github.com/o/r/blob/c0/"
    assert link_base({}) == ""


def _junit(tmp_path: Path, results: list[dict[str, Any]]) -> Path:
    path = tmp_path / "report.xml"
    report = JUnitReport(path)
    for data in results:
        report.add(data)
    report.close()
    return path


def test_junit_has_a_testcase_per_snippet_by_status(tmp_path: Path) -> None:
    results = [
        _failed(),
        _failed(id="p", status="pass", source="p.lean", source_line=1, messages=[], error=None),
        _failed(id="s", status="sorry", error=None),
        _failed(id="t", status="timeout", messages=[], error="timed out"),
        {"id": "docs/a.md:30", "status": "skipped", "source": "docs/a.md", "source_line": 30},
    ]
    xml = junitparser.JUnitXml.fromfile(str(_junit(tmp_path, results)))
    (suite,) = list(xml)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 2, 1, 1)
    cases = {case.name: case for case in suite}
    failed = cases["docs/a,b.md:10"]
    assert failed.classname == "docs.a,b" and failed.time == 0.5
    (failure,) = failed.result
    assert isinstance(failure, junitparser.Failure) and failure.type == "fail"
    # The body lists the messages at their lines in the source file, columns from 1.
    assert "docs/a,b.md:13:5: error: 100% sure" in (failure.text or "")
    assert cases["p (line 1)"].is_passed
    assert isinstance(cases["s (line 10)"].result[0], junitparser.Failure)
    assert isinstance(cases["t (line 10)"].result[0], junitparser.Error)
    assert isinstance(cases["docs/a.md:30"].result[0], junitparser.Skipped)


def test_junit_stays_well_formed_with_control_characters(tmp_path: Path) -> None:
    message = 'bell\x07 escape\x1b[31m form\x0c <tag> & "quotes"\nsecond line'
    path = _junit(tmp_path, [_failed(error=message, messages=[])])
    ET.parse(path)  # a strict XML parser: raises on any forbidden character
    (failure,) = next(iter(next(iter(junitparser.JUnitXml.fromfile(str(path)))))).result
    assert failure.message == 'bell\\x07 escape\\x1b[31m form\\x0c <tag> & "quotes"'
    assert "second line" in (failure.text or "")


def test_junit_writes_nothing_at_its_path_before_close(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    report = JUnitReport(path)
    report.add(_failed())
    assert not path.exists()
    report.discard()
    assert list(tmp_path.iterdir()) == []


def test_the_summary_counts_and_lists_failures_with_links() -> None:
    summary = Summary()
    summary.add(_failed(error="a | b\nmore", time=2.0))
    summary.add(_failed(id="p", status="pass", time=9.0, source="p.lean", source_line=1))
    summary.add({"id": "k", "status": "skipped", "source": "docs/a.md", "source_line": 30})
    text = summary.render("https://github.com/o/r/blob/c0/")
    assert text.startswith("### leancli: 2 snippets, 1 passed, 1 failed")
    assert "| pass | 1 |" in text and "| fail | 1 |" in text and "| skipped | 1 |" in text
    # The failure links to the error's line; a `|` in a message stays in its cell.
    assert (
        "| [docs/a,b.md:10](https://github.com/o/r/blob/c0/docs/a,b.md?plain=1#L13) | fail |"
        in text
    )
    assert "a \\| b ..." in text
    slowest = text.split("#### Slowest")[1]
    assert slowest.index("[p]") < slowest.index("[docs/a,b.md:10]")


def test_the_summary_keeps_a_bounded_number_of_rows() -> None:
    summary = Summary()
    for number in range(FAILURES_SHOWN + 7):
        summary.add(_failed(id=f"f{number}", time=float(number)))
    assert len(summary.failures) == FAILURES_SHOWN
    assert [row.name for row in summary.slowest()] == [
        f"f{number}" for number in range(FAILURES_SHOWN + 6, FAILURES_SHOWN + 6 - SLOWEST_SHOWN, -1)
    ]
    assert "... and 7 more." in summary.render()


def test_stats_markdown_summarizes_a_results_file(tmp_path: Path) -> None:
    results = write_jsonl(
        tmp_path / "results.jsonl",
        [_failed(), _failed(id="p", status="pass", source="p.lean", messages=[], error=None)],
    )
    no_ci = {"GITHUB_SHA": "", "GITHUB_WORKSPACE": ""}
    done = run_leancli("stats", "--markdown", str(results), env=no_ci)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert text.startswith("### leancli: 2 snippets, 1 passed, 1 failed")
    assert "[docs/a,b.md:10](docs/a,b.md?plain=1#L13)" in text


@pytest.mark.parametrize("line", [b"not json", b'{"status": "maybe"}'])
def test_stats_markdown_names_a_line_that_is_no_result(tmp_path: Path, line: bytes) -> None:
    results = write_jsonl(tmp_path / "results.jsonl", [_failed(), line])
    done = run_leancli("stats", "--markdown", str(results))
    assert done.returncode == 2
    assert b"line 2" in done.stderr


def test_summary_links_stay_links_whatever_the_file_name() -> None:
    from leancli.reports.markdown import Summary

    summary = Summary()
    summary.add({"id": None, "status": "fail", "time": 1.0, "error": "e",
                 "source": "a|b]c (1).lean", "source_line": 1})  # fmt: skip
    text = summary.render("https://github.com/o/r/blob/c0/")
    link = next(line for line in text.splitlines() if "blob/c0/" in line)
    assert "a%7Cb%5Dc%20%281%29.lean#L1)" in link


def test_the_reports_count_passes_by_trust(tmp_path: Path) -> None:
    from leancli.reports.stats import collect

    results = [
        {"id": "k1", "status": "pass", "time": 1.0, "trust": "kernel"},
        {"id": "k2", "status": "pass", "time": 1.0, "trust": "kernel"},
        {"id": "a", "status": "pass", "time": 1.0, "trust": "audit"},
        {"id": "old", "status": "pass", "time": 1.0},  # written before `trust` was
        {"id": "f", "status": "fail", "time": 1.0, "trust": "kernel", "error": "(kernel) x"},
    ]
    summary = Summary()
    for result in results:
        summary.add(result)
    assert "Passes by trust: kernel 2, audit 1, unknown 1." in summary.render()
    lines = [json.dumps(result) for result in results]
    assert collect(lines).summary()["passes_by_trust"] == {"kernel": 2, "audit": 1, "unknown": 1}
    suite = ET.parse(_junit(tmp_path, results)).getroot()[0]
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"passes.kernel": "2", "passes.audit": "1", "passes.unknown": "1"}
