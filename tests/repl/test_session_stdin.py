"""A REPL that stops reading its requests is told apart from one that closed its output,
and a request it never received is checked again on a fresh REPL."""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.options import ReplSpec
from leancli.repl.protocol import CommandAnswer, command_request
from leancli.repl.session import ReplFailure, ReplSession
from tests.helpers.common import FAKE_REPL_COMMAND, check_rows


def test_a_repl_that_closes_its_stdin_is_said_to_close_its_input(fake_repl: str) -> None:
    with ReplSession(ReplSpec.from_command(fake_repl)) as session:
        closer = "theorem a : True := trivial\n-- fake: close-stdin"
        assert isinstance(session.send(command_request(closer), timeout=10), CommandAnswer)
        with pytest.raises(ReplFailure) as failure:
            session.send(command_request("theorem b : True := trivial"), timeout=10)
    assert "closed its input" in str(failure.value) and "output" not in str(failure.value)
    assert failure.value.delivered is False  # not a byte of it reached the REPL


def test_a_request_the_repl_never_received_is_checked_on_a_fresh_repl(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "code": "theorem a : True := trivial\n-- fake: close-stdin"},
        {"id": "b", "code": "theorem b : True := trivial"},
    ]
    first, second = check_rows(tmp_path, FAKE_REPL_COMMAND, rows, "--workers", "1")
    assert first["status"] == "pass"
    assert second["status"] == "pass", second
