"""JUnit reports as CI tools read them: valid against Jenkins xUnit's and the Ant JUnit
schema at once, a row per sample (GitLab keeps one testcase per suite, classname and
name), classnames that split into package and class, and failure text at input lines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import junitparser
import pytest

from leancli.reports.junit import JUnitReport
from tests.helpers.junit_schemas import schema_errors


def _report(tmp_path: Path, results: list[dict[str, Any]]) -> Path:
    path = tmp_path / "report.xml"
    report = JUnitReport(path)
    for data in results:
        report.add(data)
    report.close()
    return path


def _cases(path: Path) -> list[junitparser.TestCase]:
    (suite,) = list(junitparser.JUnitXml.fromfile(str(path)))
    return list(suite)


def _sample(line: int, status: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "amc12a_2019_p21",
        "line": line,
        "status": status,
        "time": 0.25,
        "messages": [],
        "source": "samples/basics.jsonl",
        "source_line": line,
    }
    data.update(fields)
    return data


ERROR = {
    "severity": "error",
    "pos": {"line": 2, "column": 4},
    "endPos": {"line": 2, "column": 9},
    "data": "unsolved goals",
}


def test_k_samples_of_one_id_are_k_rows(tmp_path: Path) -> None:
    results = [_sample(1, "pass"), _sample(2, "fail", messages=[ERROR]), _sample(3, "pass")]
    cases = _cases(_report(tmp_path, results))
    # GitLab's key for a testcase: suite name, classname and name; one row per key.
    keys = Counter((case.classname, case.name) for case in cases)
    assert len(keys) == 3 and set(keys.values()) == {1}
    assert [case.name for case in cases] == [f"amc12a_2019_p21 (line {n})" for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("source", "package", "class_"),
    [
        ("samples/basics.jsonl", "samples", "basics"),
        ("proofs/sub/bad.lean", "proofs.sub", "bad"),
        ("minif2f.valid.jsonl", None, "minif2f_valid"),
        ("-", None, "stdin"),
    ],
)
def test_classnames_split_into_directory_and_file(
    tmp_path: Path, source: str, package: str | None, class_: str
) -> None:
    (case,) = _cases(_report(tmp_path, [_sample(1, "pass", source=source)]))
    # As Jenkins' junit plugin splits a classname (CaseResult.getPackageName): at the last `.`.
    head, dot, tail = case.classname.rpartition(".")
    assert (head if dot else None, tail) == (package, class_)


def test_a_report_of_every_kind_is_valid_against_both_schemas(tmp_path: Path) -> None:
    results = [
        _sample(1, "pass", time=1234.56789),
        _sample(2, "fail", messages=[ERROR], error=None),
        _sample(3, "sorry", messages=[{**ERROR, "severity": "warning", "data": "sorry"}]),
        _sample(4, "timeout", error="timed out after 60 s", time=float("nan")),
        _sample(5, "crash", error='bell\x07 <tag> & "q"\nmore'),
        _sample(6, "skipped", skipped_for=1, time=None),
        {"id": "docs/a.md:3", "status": "skipped", "source": "docs/a.md", "source_line": 3},
    ]
    path = _report(tmp_path, results)
    assert schema_errors(path) == {}
    (suite,) = list(junitparser.JUnitXml.fromfile(str(path)))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (7, 2, 2, 2)


def test_an_empty_report_is_valid_against_both_schemas(tmp_path: Path) -> None:
    assert schema_errors(_report(tmp_path, [])) == {}


def test_failure_text_gives_the_jsonl_line_and_the_place_in_the_snippet(tmp_path: Path) -> None:
    (case,) = _cases(_report(tmp_path, [_sample(7, "fail", messages=[ERROR])]))
    (failure,) = case.result
    assert "samples/basics.jsonl:7: error at snippet 2:5: unsolved goals" in failure.text


def test_failure_text_gives_source_lines_and_columns_from_1(tmp_path: Path) -> None:
    moved = {**ERROR, "source_pos": {"line": 12, "column": 4}}
    data = _sample(1, "fail", id="a.lean", source="a.lean", messages=[moved])
    (case,) = _cases(_report(tmp_path, [data]))
    assert "a.lean:12:5: error: unsolved goals" in case.result[0].text


def test_a_first_pass_skip_says_why(tmp_path: Path) -> None:
    cases = _cases(_report(tmp_path, [_sample(1, "pass"), _sample(2, "skipped", skipped_for=1)]))
    (skipped,) = cases[1].result
    assert isinstance(skipped, junitparser.Skipped)
    assert "lean skip" not in skipped.message
    assert "--first-pass" in skipped.message and "line 1" in skipped.message
