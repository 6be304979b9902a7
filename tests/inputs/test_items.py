from __future__ import annotations

import orjson

from leancli.inputs.items import InputSpec, InvalidLine, Item, parse_line, read_items


def _read(lines: list[bytes], spec: InputSpec | None = None) -> list[Item | InvalidLine]:
    return list(read_items(iter(lines), spec or InputSpec()))


def test_first_present_code_field_and_id_are_taken() -> None:
    rows = [
        orjson.dumps({"name": "p1", "proof": "A", "full_proof": "B"}),
        orjson.dumps({"custom_id": 7, "cmd": "C"}),
        orjson.dumps({"id": "x", "code": "D", "cmd": "E"}),
    ]
    assert _read(rows) == [Item(1, "p1", "A"), Item(2, "7", "C"), Item(3, "x", "D")]


def test_blank_lines_are_skipped_but_keep_line_numbers() -> None:
    items = _read([b'{"code": "a"}', b"", b"   ", b'{"code": "b"}'])
    assert [item.line for item in items] == [1, 4]


def test_bad_lines_become_invalid_results_that_say_why() -> None:
    items = _read(
        [
            b"not json",
            b"[1, 2]",
            b'{"id": "m", "statement": "x"}',
            b'{"id": "n", "code": 5}',
            b'{"code": "a\\u0000b"}',
            b'{"code": "\xff\xfe"}',
        ]
    )
    assert all(isinstance(item, InvalidLine) for item in items)
    errors = [item.error for item in items if isinstance(item, InvalidLine)]
    assert "not valid JSON" in errors[0]
    assert "array" in errors[1]
    assert "no snippet field" in errors[2] and items[2].id == "m"
    assert "'code' is a JSON number" in errors[3]
    assert "NUL" in errors[4]
    assert "UTF-8" in errors[5]
    assert [item.line for item in items] == [1, 2, 3, 4, 5, 6]


def test_template_builds_the_snippet_from_dataset_fields() -> None:
    spec = InputSpec(template="{header}{formal_statement}{formal_proof}")
    row = {
        "name": "t",
        "header": "import Mathlib\n",
        "formal_statement": "theorem t : True := by\n",
        "formal_proof": "  trivial",
    }
    [item] = _read([orjson.dumps(row)], spec)
    assert item == Item(1, "t", "import Mathlib\ntheorem t : True := by\n  trivial")
    [missing] = _read([orjson.dumps({"name": "u", "header": ""})], spec)
    assert isinstance(missing, InvalidLine) and "'formal_statement' is missing" in missing.error


def test_code_and_id_fields_can_be_named() -> None:
    spec = InputSpec(code_field="lean", id_field="key")
    [item] = _read([orjson.dumps({"key": "k", "lean": "L", "code": "ignored"})], spec)
    assert item == Item(1, "k", "L")


def test_the_preamble_is_the_header_field_unless_another_is_named() -> None:
    row = b'{"code": "c", "statement": "theorem t : True := by", "header": "open Nat"}'
    spec = InputSpec(statement_field="statement")
    assert parse_line(1, row, spec) == Item(1, None, "c", "theorem t : True := by", "open Nat")
    named = InputSpec(statement_field="statement", preamble_field="pre")
    missing = parse_line(1, row, named)
    assert isinstance(missing, InvalidLine) and "'pre'" in missing.error
    # Without a statement there is nothing to read the preamble for.
    assert parse_line(1, row, InputSpec()) == Item(1, None, "c")
