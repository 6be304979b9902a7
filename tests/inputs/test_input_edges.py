"""Input and results files as other tools write them: a BOM, huge integer ids, torn lines."""

from __future__ import annotations

from pathlib import Path

import orjson

from leancli.inputs.items import InputSpec, InvalidLine, Item, read_items
from leancli.reports.stats import collect
from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli


def test_a_byte_order_mark_before_the_first_line_is_ignored(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'\xef\xbb\xbf{"id": "a", "code": "def f := 37"}\n')
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND)
    (result,) = read_jsonl(done.stdout)
    assert result["status"] == "pass", result
    assert result["id"] == "a"


def test_integer_ids_keep_every_digit() -> None:
    lines = [b'{"id": 123456789012345678901234567890, "code": "x"}\n', b'{"id": 7, "code": "y"}\n']
    items = list(read_items(lines, InputSpec()))
    assert [item.id for item in items] == ["123456789012345678901234567890", "7"]


def test_a_line_that_cannot_be_prepared_is_invalid_and_the_rest_go_on() -> None:
    class Exploding(str):
        def format_map(self, mapping: object) -> str:
            raise RuntimeError("boom")

    spec = InputSpec(template=Exploding("{code}"))
    items = list(read_items([b'{"code": "x"}\n', b"not json\n"], spec))
    assert isinstance(items[0], InvalidLine) and "boom" in items[0].error
    assert isinstance(items[1], InvalidLine) and items[1].line == 2


def test_stats_ignores_a_bom_and_a_torn_last_line(tmp_path: Path) -> None:
    row = orjson.dumps({"id": "a", "line": 1, "status": "pass", "time": 0.1})
    stats = collect([b"\xef\xbb\xbf" + row + b"\n", b'{"id": "b", "line": 2, "sta'])
    assert stats.summary()["results"] == 1


def test_the_cli_reads_items_as_before() -> None:
    items = list(read_items([b'{"code": "def f := 37"}\n'], InputSpec()))
    assert items == [Item(1, None, "def f := 37")]


def test_a_statement_of_only_a_comment_is_an_empty_statement() -> None:
    spec = InputSpec(statement_field="stmt")
    rows = [b'{"code": "theorem b : 2 = 2 := rfl", "stmt": "/- nothing here -/  -- nor here"}\n']
    (item,) = read_items(rows, spec)
    assert isinstance(item, InvalidLine) and "is missing or empty" in item.error


def test_stats_markdown_reads_what_stats_reads(tmp_path: Path) -> None:
    row = orjson.dumps({"id": "a", "line": 1, "status": "pass", "time": 0.1})
    results = tmp_path / "results.jsonl"
    results.write_bytes(b"\xef\xbb\xbf" + row + b"\n" + b'{"id": "b", "line": 2, "sta')
    for args in ([], ["--markdown"], ["--json"]):
        done = run_leancli("stats", str(results), *args)
        assert done.returncode == 0, (args, done.stderr)
