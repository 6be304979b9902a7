"""`leancli stats` on times beyond any sum a float holds: a table, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.common import run_leancli, write_jsonl


@pytest.fixture
def huge(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "line": 1, "status": "pass", "time": 1e308},
        {"id": "b", "line": 2, "status": "fail", "time": 1e308},
    ]
    return write_jsonl(tmp_path / "results.jsonl", rows)


@pytest.mark.parametrize("form", [[], ["--markdown"]])
def test_huge_times_are_shown_short(huge: Path, form: list[str]) -> None:
    done = run_leancli("stats", str(huge), *form)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"1e+308" in done.stdout
    assert b"00000000000000" not in done.stdout  # not 309 digits


def test_a_total_beyond_any_float_is_infinite(huge: Path) -> None:
    table = run_leancli("stats", str(huge))
    assert b"inf" in table.stdout, table.stderr
    done = run_leancli("stats", str(huge), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["time"]["max"] == 1e308
    assert summary["time"]["total"] is None  # JSON has no infinity
