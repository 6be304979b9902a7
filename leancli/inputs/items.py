"""Read input items from a JSONL stream, one at a time."""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from leancli.errors import LeancliError
from leancli.inputs.extract import NOTHING, ExtractError, extract

DEFAULT_CODE_FIELDS = ("code", "cmd", "proof", "full_proof")
DEFAULT_ID_FIELDS = ("id", "name", "custom_id")


@dataclass(frozen=True, slots=True)
class Item:
    """A snippet to check, from 1-based input line `line`."""

    line: int
    id: str | None
    code: str
    statement: str | None = None
    preamble: str | None = None  # what the statement is read under (imports, opens)
    problem: str | None = None  # --first-pass: the samples sharing it stop at `passes`
    passes: int = 1


@dataclass(frozen=True, slots=True)
class InvalidLine:
    """An input line that cannot be checked, and why."""

    line: int
    id: str | None
    error: str
    problem: str | None = None  # --first-pass: a failed sample of this problem


@dataclass(frozen=True)
class InputSpec:
    """Where the snippet and the id of each line come from."""

    code_field: str | None = None
    template: str | None = None
    id_field: str | None = None
    statement_field: str | None = None
    preamble_field: str | None = None  # None: the `header` field, if there is one
    first_pass_field: str | None = None  # --first-pass FIELD
    extract: str | None = None  # --extract: the code field holds a model's answer
    passes: int = 1  # --passes: a --first-pass problem is done after this many passes

    def verdict_values(self) -> dict[str, Any]:
        """The options that change what is checked, as a run's receipt lists them."""
        return {
            "code_field": self.code_field,
            "template": self.template,
            "extract": self.extract,
            "statement_field": self.statement_field,
            "preamble_field": self.preamble_field,
            "first_pass": self.first_pass_field,
            "passes": self.passes,
        }

    def template_fields(self) -> list[str]:
        if self.template is None:
            return []
        return [name for _, name, _, _ in string.Formatter().parse(self.template) if name]


class TemplateError(LeancliError, ValueError):
    """The --template string is not valid Python format syntax."""


def validate_template(template: str) -> None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template)]
    except ValueError as exc:
        raise TemplateError(f"--template {template!r} is not valid: {exc}") from exc
    if not any(fields):
        raise TemplateError(f"--template {template!r} names no field, e.g. '{{header}}{{proof}}'")


BOM = b"\xef\xbb\xbf"


def read_items(lines: Iterable[bytes], spec: InputSpec) -> Iterator[Item | InvalidLine]:
    """Yield one Item or InvalidLine per non-blank line, lazily.

    A UTF-8 byte-order mark before the first line is ignored, as most JSON tools do.
    """
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        if not raw.strip():
            continue
        try:
            yield parse_line(number, raw, spec)
        except Exception as exc:  # one line that cannot be prepared never stops the run
            yield InvalidLine(number, None, f"cannot read this line: {exc!r}")


def parse_line(number: int, raw: bytes, spec: InputSpec) -> Item | InvalidLine:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InvalidLine(number, None, f"line is not valid UTF-8 (byte {exc.start + 1})")
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return InvalidLine(number, None, f"line is not valid JSON: {exc}")
    if not isinstance(obj, dict):
        return InvalidLine(number, None, f"line is a JSON {_kind(obj)}, not an object")
    item_id = _find_id(obj, spec, text)
    problem = None
    if spec.first_pass_field is not None:
        value = obj.get(spec.first_pass_field)
        if value is None:
            return InvalidLine(
                number, item_id, f"first-pass field {spec.first_pass_field!r} is missing"
            )
        problem = value if isinstance(value, str) else orjson.dumps(value).decode()
    code = _find_code(obj, spec)
    if isinstance(code, _Missing):
        # Still a sample of its problem: `stats --by problem` counts it as a failure.
        return InvalidLine(number, item_id, code.reason, problem)
    if "\x00" in code:
        return InvalidLine(number, item_id, "snippet contains a NUL character", problem)
    statement: str | None = None
    if spec.statement_field is not None:
        value = obj.get(spec.statement_field)
        if not isinstance(value, str) or not _code_in(value):
            error = f"statement field {spec.statement_field!r} is missing or empty"
            return InvalidLine(number, item_id, error, problem)
        statement = value
    preamble = obj.get(spec.preamble_field or "header")
    if spec.preamble_field is not None and not isinstance(preamble, str):
        error = f"preamble field {spec.preamble_field!r} is missing or not a string"
        return InvalidLine(number, item_id, error, problem)
    preamble = preamble if isinstance(preamble, str) and statement is not None else None
    return Item(number, item_id, code, statement, preamble, problem, spec.passes)


@dataclass(frozen=True, slots=True)
class _Missing:
    reason: str


def _find_code(obj: dict[str, Any], spec: InputSpec) -> str | _Missing:
    if spec.extract is not None:
        return _extracted_code(obj, spec)
    return _filled_or_field(obj, spec)


def _extracted_code(obj: dict[str, Any], spec: InputSpec) -> str | _Missing:
    """The code taken from the answer in the code field, after what `--template` makes
    of the other fields (`'{header}{formal_statement}'` + the proof, as the provers'
    scripts check it)."""
    assert spec.extract is not None
    answer = _field_text(obj, spec)
    if isinstance(answer, _Missing):
        return answer
    try:
        code = extract(answer, spec.extract)
    except ExtractError as exc:
        return _Missing(str(exc))
    if not _code_in(code):  # only comments: Lean accepts it, but it proves nothing
        return _Missing(NOTHING)
    if spec.template is None:
        return code
    prefix = _filled_or_field(obj, spec)
    return prefix if isinstance(prefix, _Missing) else prefix + code


def _filled_or_field(obj: dict[str, Any], spec: InputSpec) -> str | _Missing:
    if spec.template is not None:
        missing = [name for name in spec.template_fields() if name not in obj]
        if missing:
            return _Missing(f"template field {missing[0]!r} is missing")
        try:
            return spec.template.format_map({k: _as_text(v) for k, v in obj.items()})
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            return _Missing(f"template cannot be filled: {exc!r}")
    return _field_text(obj, spec)


def _field_text(obj: dict[str, Any], spec: InputSpec) -> str | _Missing:
    fields = (spec.code_field,) if spec.code_field else DEFAULT_CODE_FIELDS
    for name in fields:
        if name in obj:
            value = obj[name]
            if not isinstance(value, str):
                return _Missing(f"field {name!r} is a JSON {_kind(value)}, not a string")
            return value
    return _Missing(f"no snippet field: expected one of {', '.join(repr(f) for f in fields)}")


def _find_id(obj: dict[str, Any], spec: InputSpec, text: str) -> str | None:
    fields = (spec.id_field,) if spec.id_field else DEFAULT_ID_FIELDS
    for name in fields:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # orjson reads an integer beyond 64 bits as a float: keep the digits as written.
            exact = json.loads(text, parse_int=str, parse_float=str).get(name)
            if isinstance(exact, str):
                return exact
        return orjson.dumps(value).decode()
    return None


def _code_in(text: str) -> bool:
    """Whether `text` holds anything but white space and comments."""
    from leancli.verdict.lexer import strip_comments

    return bool(strip_comments(text).strip())


def _as_text(value: Any) -> Any:
    return "" if value is None else value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"
