"""Inputs other than one JSONL file: .lean files, directories, Markdown blocks, and where
each result's positions fall in its source (leancli/sources.py, markdown_blocks.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from leancli.inputs.items import InputSpec, InvalidLine, Item
from leancli.inputs.markdown_blocks import lean_blocks
from leancli.inputs.sources import (
    EXPECTED_FAIL_PASSED,
    Location,
    Source,
    SourceError,
    SourceKind,
    SourceMap,
    apply_expectation,
    count_items,
    expand_inputs,
    read_sources,
    with_source_positions,
)
from leancli.records import Result, Status

GUIDE = """\
# Guide

```lean
import Mathlib
theorem a : True := trivial
```

- a list item:

   ~~~~ Lean4, fails
   theorem b : False := by
     simp
   ~~~~

```lean skip
not Lean at all
```

```python
print("not Lean")
```

````markdown
```lean
inside another block: text, not a block
```
````

Inline ```lean x``` is code, not a fence.

```lean4
theorem c : True := sorry
"""


def test_markdown_blocks_follow_commonmark_fences() -> None:
    blocks = lean_blocks(GUIDE)
    assert [block.fence_line for block in blocks] == [3, 10, 15, 31]
    first, fails, skipped, unclosed = blocks
    assert first.code == "import Mathlib\ntheorem a : True := trivial\n"
    assert first.end_line == 6
    assert fails.must_fail and not fails.skipped
    # The fence's three spaces are cut from each line, the deeper indentation kept.
    assert fails.code == "theorem b : False := by\n  simp\n"
    assert fails.indents == (3, 3)
    assert skipped.skipped
    # A block the file ends inside runs to the end of the file.
    assert unclosed.code == "theorem c : True := sorry\n"
    assert unclosed.end_line == GUIDE.count("\n")


def test_a_closing_fence_must_be_as_long_as_the_opening_one() -> None:
    text = "````lean\n```\nstill code\n````\n"
    (block,) = lean_blocks(text)
    assert block.code == "```\nstill code\n"


def _files(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("theorem t : True := trivial\n")


def test_a_directory_gives_its_lean_and_markdown_files_recursively_sorted(
    tmp_path: Path,
) -> None:
    _files(
        tmp_path,
        ["b.lean", "a/z.lean", "a/b.lean", "notes.md", "data.jsonl", ".lake/packages/m.lean"],
    )
    sources = expand_inputs([str(tmp_path)])
    found = [(Path(s.path).relative_to(tmp_path).as_posix(), s.kind) for s in sources]
    # Hidden directories (a Lake project's .lake, say) are not entered; JSONL is not taken.
    assert found == [
        ("a/b.lean", SourceKind.LEAN),
        ("a/z.lean", SourceKind.LEAN),
        ("b.lean", SourceKind.LEAN),
        ("notes.md", SourceKind.MARKDOWN),
    ]


def test_glob_chooses_the_files_of_a_directory(tmp_path: Path) -> None:
    _files(tmp_path, ["a.lean", "docs/x.md", "docs/deep/y.md", "z.jsonl"])
    sources = expand_inputs([str(tmp_path)], ["*.md", "*.jsonl"])
    found = [(Path(s.path).relative_to(tmp_path).as_posix(), s.kind) for s in sources]
    assert found == [
        ("docs/deep/y.md", SourceKind.MARKDOWN),
        ("docs/x.md", SourceKind.MARKDOWN),
        ("z.jsonl", SourceKind.JSONL),
    ]
    only_top = expand_inputs([str(tmp_path)], ["docs/*.md"])
    assert len(only_top) == 2  # `*` crosses `/`: docs/deep/y.md matches too


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    _files(tmp_path, ["a.lean", "b.lean"])
    sources = expand_inputs([str(tmp_path / "b.lean"), str(tmp_path)])
    assert [Path(s.path).name for s in sources] == ["b.lean", "a.lean"]


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["missing.jsonl"], "cannot read missing.jsonl"),
        (["-", "-"], "standard input) is given twice"),
        (["EMPTY"], "no file in it matches --glob '*.lean' --glob '*.md'"),
    ],
)
def test_inputs_that_cannot_be_read_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paths: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "EMPTY").mkdir()
    with pytest.raises(SourceError, match=re.escape(message)):
        expand_inputs(paths)


def _read(
    sources: list[Source], stdin: list[bytes] | None = None
) -> tuple[list[Item | InvalidLine], SourceMap]:
    source_map = SourceMap()
    items = list(read_sources(sources, InputSpec(), source_map, stdin or []))
    return items, source_map


def test_line_numbers_run_on_across_inputs(tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_bytes(b'{"id": "j1", "code": "x"}\n\n{"id": "j3", "code": "y"}\n')
    lean = tmp_path / "one.lean"
    lean.write_text("theorem t : True := trivial\n")
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE)
    sources = [
        Source(str(jsonl), SourceKind.JSONL),
        Source(str(lean), SourceKind.LEAN),
        Source(str(guide), SourceKind.MARKDOWN),
        Source("-", SourceKind.JSONL),
    ]
    items, source_map = _read(sources, [b'{"id": "s1", "code": "z"}\n'])
    # The JSONL file takes its 3 lines, the .lean file one, each checked block one.
    assert [(item.line, item.id) for item in items] == [
        (1, "j1"),
        (3, "j3"),
        (4, str(lean)),
        (5, f"{guide}:3"),
        (6, f"{guide}:10"),
        (7, f"{guide}:31"),
        (8, "s1"),
    ]
    assert isinstance(items[2], Item) and items[2].code == "theorem t : True := trivial\n"
    located = [
        (source_map.locate(item.line).source, source_map.locate(item.line).line) for item in items
    ]
    assert located == [
        (str(jsonl), 1),
        (str(jsonl), 3),
        (str(lean), 1),
        (str(guide), 3),
        (str(guide), 10),
        (str(guide), 31),
        ("-", 1),
    ]
    assert source_map.locate(6).must_fail
    assert [(block.id, block.line) for block in source_map.skipped] == [(f"{guide}:15", 15)]
    assert count_items(sources[:3]) == 3 + 1 + 3
    assert count_items(sources) is None  # standard input's length is not known


def test_an_unreadable_lean_file_is_an_invalid_line_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.lean"
    broken.write_bytes(b"theorem \xff")
    nul = tmp_path / "nul.lean"
    nul.write_bytes(b"theorem \x00")
    items, _ = _read([Source(str(broken), SourceKind.LEAN), Source(str(nul), SourceKind.LEAN)])
    invalid = [item for item in items if isinstance(item, InvalidLine)]
    assert [item.line for item in invalid] == [1, 2]
    assert f"{broken} is not valid UTF-8" in invalid[0].error
    assert "NUL" in invalid[1].error


def _message(line: int, column: int, end_column: int) -> dict[str, Any]:
    return {
        "severity": "error",
        "pos": {"line": line, "column": column},
        "endPos": {"line": line, "column": end_column},
        "data": "unsolved goals",
    }


def test_source_positions_are_in_the_markdown_file_lines() -> None:
    (_, fails, *_) = lean_blocks(GUIDE)
    location = Location(
        "guide.md", fails.fence_line, fails.first_line, fails.end_line, fails.indents
    )
    shared = _message(2, 2, 6)
    data = {"messages": [shared], "sorries": []}
    out = with_source_positions(data, location)
    (message,) = out["messages"]
    # Snippet line 2 is the .md file's line 12; the block's indentation is added back.
    assert message["source_pos"] == {"line": 12, "column": 5}
    assert message["source_end_pos"] == {"line": 12, "column": 9}
    assert GUIDE.split("\n")[11][5:9] == "simp"
    assert "source_pos" not in shared  # the REPL's message may be shared by duplicates
    assert (out["source"], out["source_line"]) == ("guide.md", 10)


def test_an_error_past_the_last_line_points_at_the_closing_fence() -> None:
    location = Location("guide.md", 3, first_line=4, last_line=6)
    out = with_source_positions({"messages": [_message(9, 0, 1)]}, location)
    assert out["messages"][0]["source_pos"]["line"] == 6


def test_jsonl_results_name_their_line_but_give_no_source_positions() -> None:
    out = with_source_positions({"messages": [_message(1, 0, 1)]}, Location("in.jsonl", 7))
    assert (out["source"], out["source_line"]) == ("in.jsonl", 7)
    assert "source_pos" not in out["messages"][0]


@pytest.mark.parametrize(
    ("verdict", "written", "error"),
    [
        (Status.FAIL, Status.PASS, None),
        (Status.PASS, Status.FAIL, EXPECTED_FAIL_PASSED),
        (Status.SORRY, Status.FAIL, "only reported a sorry"),
        (Status.TIMEOUT, Status.TIMEOUT, "took too long"),
    ],
)
def test_a_fails_block_must_fail(verdict: Status, written: Status, error: str | None) -> None:
    error_text = "took too long" if verdict is Status.TIMEOUT else "e"
    result = Result(verdict, error=error_text, line=1, id="g.md:3")
    counted, extra = apply_expectation(result, Location("g.md", 3, 4, 9, must_fail=True))
    assert counted.status is written
    assert extra == {"expected": "fail", "verdict": verdict.value}
    if error is None:
        assert counted.error is None
    else:
        assert error in (counted.error or "")


def test_other_blocks_keep_their_verdict() -> None:
    result = Result(Status.FAIL, error="e", line=1, id="g.md:3")
    assert apply_expectation(result, Location("g.md", 3, 4, 9)) == (result, {})


def test_items_of_one_jsonl_input_keep_their_lines(tmp_path: Path) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_bytes(b'\n{"code": "x"}\n')
    items, _ = _read([Source(str(jsonl), SourceKind.JSONL)])
    assert items == [Item(2, None, "x")]
