"""The tests' fixtures; what they share besides fixtures is in tests/helpers/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.simulated import TRANSCRIPTS
from tests.helpers.common import FAKE_REPL_COMMAND


@pytest.fixture(autouse=True)
def _test_variables_reach_the_repls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A REPL sees only the variables it is told to: the tests' own stand-ins' included."""
    monkeypatch.setenv("LEANCLI_PASS_ENV", "FAKE_REPL_*,STAND_IN_*,STUB_*")


@pytest.fixture
def fake_repl() -> str:
    """Command line that starts the simulated REPL."""
    return FAKE_REPL_COMMAND


@pytest.fixture
def import_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file where every simulated REPL notes each header it imports."""
    log = tmp_path / "imports.log"
    monkeypatch.setenv("FAKE_REPL_LOG", str(log))
    return log


@pytest.fixture
def goedel_items() -> Iterator[list[tuple[str, dict[str, Any], dict[str, Any]]]]:
    """(name, request, expected answer) for each recorded Goedel-Prover proof."""
    folder = TRANSCRIPTS / "goedel-workbook"
    items = []
    for request_file in sorted(folder.glob("*.in")):
        answer_file = request_file.with_name(request_file.name[:-3] + ".expected.out")
        request = orjson.loads(request_file.read_bytes())
        items.append((request_file.stem, request, orjson.loads(answer_file.read_bytes())))
    yield items
