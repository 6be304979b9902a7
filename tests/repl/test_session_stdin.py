"""A REPL that stops reading its requests is told apart from one that closed its output."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, check_rows


def test_a_repl_that_closes_its_stdin_is_said_to_close_its_input(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "code": "theorem a : True := trivial\n-- fake: close-stdin"},
        {"id": "b", "code": "theorem b : True := trivial"},
    ]
    first, second = check_rows(tmp_path, FAKE_REPL_COMMAND, rows, "--workers", "1")
    assert first["status"] == "pass"
    assert "closed its input" in second["error"], second
    assert "output" not in second["error"]
