"""GitHub annotations within GitHub's limits (10 of each kind per step, 50 per job),
`sorry` as a warning, and step summary links that reach the line."""

from __future__ import annotations

from typing import Any

from leancli.reports.github import ANNOTATIONS_PER_KIND, Annotations, annotation
from leancli.reports.markdown import Summary


def _result(number: int, status: str) -> dict[str, Any]:
    return {
        "id": f"p{number}",
        "line": number,
        "status": status,
        "error": f"{status} {number}",
        "source": "in.jsonl",
        "source_line": number,
    }


def test_a_sorry_is_a_warning_and_a_failure_an_error() -> None:
    assert (annotation(_result(1, "sorry")) or "").startswith("::warning ")
    assert (annotation(_result(2, "fail")) or "").startswith("::error ")
    assert (annotation(_result(3, "timeout")) or "").startswith("::error ")


def test_the_first_ten_of_each_kind_then_one_notice_with_the_rest() -> None:
    annotations = Annotations()
    results = [_result(n, "fail") for n in range(25)] + [_result(n, "sorry") for n in range(12)]
    results += [_result(99, "pass")]
    written = [command for data in results if (command := annotations.add(data)) is not None]
    errors = [command for command in written if command.startswith("::error ")]
    warnings = [command for command in written if command.startswith("::warning ")]
    assert len(errors) == len(warnings) == ANNOTATIONS_PER_KIND == 10
    # GitHub keeps the first ones: those are written, in order.
    assert [command.rsplit("::", 1)[1] for command in errors] == [f"fail {n}" for n in range(10)]
    assert len(written) == 20
    notice = annotations.closing_notice() or ""
    assert notice.startswith("::notice ")
    assert "17 more" in notice and "15 errors" in notice and "2 warnings" in notice
    assert "step summary" in notice


def test_no_notice_when_every_failure_was_annotated() -> None:
    annotations = Annotations()
    for n in range(ANNOTATIONS_PER_KIND):
        assert annotations.add(_result(n, "fail")) is not None
    assert annotations.closing_notice() is None


def _link(source: str) -> str:
    summary = Summary()
    summary.add({"id": "x", "status": "fail", "error": "e", "source": source, "source_line": 7})
    text = summary.render("https://github.com/o/r/blob/c0/")
    line = next(line for line in text.splitlines() if "blob/c0/" in line)
    return line.split("](", 1)[1].split(")", 1)[0]


def test_summary_links_to_markdown_show_its_lines() -> None:
    assert _link("docs/guide.md") == "https://github.com/o/r/blob/c0/docs/guide.md?plain=1#L7"
    assert _link("proofs/a.lean") == "https://github.com/o/r/blob/c0/proofs/a.lean#L7"


def test_summary_links_escape_a_percent_in_a_file_name() -> None:
    # `%41` in a name is three characters of the name, not an escaped `A`.
    assert _link("100%41 #x?.lean") == ("https://github.com/o/r/blob/c0/100%2541%20%23x%3F.lean#L7")
