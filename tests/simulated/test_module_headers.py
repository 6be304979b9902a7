"""Files as modern Lean projects write them: a header with `module`, `prelude`, `public
import`, `meta import`, `import all` (Lean/Parser/Module.lean, leanprover/lean4) is
imported as one header, its imports never reach the REPL as commands, and message
positions stay in the file's lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leancli.simulated.repl import SimulatedRepl
from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli

HEADER = "module\n\npublic import Mathlib\nmeta import all Aesop\n"


def test_a_module_file_is_imported_as_one_header(
    tmp_path: Path, import_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = tmp_path / "commands.log"
    monkeypatch.setenv("FAKE_REPL_COMMANDS", str(commands))
    lean = tmp_path / "m.lean"
    # `-- fake: error` is file line 7: the error must be reported there.
    lean.write_text(HEADER + "\ntheorem t : True := by\n  -- fake: error\n")
    other = tmp_path / "n.lean"
    other.write_text(HEADER + "theorem u : True := trivial\n")
    done = run_leancli("check", str(lean), str(other), "--repl", FAKE_REPL_COMMAND, "-w", "1")
    assert done.returncode == 1, done.stderr
    results = {r["id"]: r for r in read_jsonl(done.stdout)}
    failed, passed = results[str(lean)], results[str(other)]
    assert passed["status"] == "pass"
    (error,) = [m for m in failed["messages"] if m["severity"] == "error"]
    assert error["source_pos"]["line"] == 7
    # One import of the whole header, shared by both files; no import sent as a command.
    imports = import_log.read_text().splitlines()
    header = "module\npublic import Mathlib\nmeta import all Aesop"
    assert [line.split(" ", 2)[2] for line in imports if " import " in line] == [repr(header)]
    sent = [json.loads(line) for line in commands.read_text().splitlines()]
    assert not [cmd for cmd in sent if cmd != header and "import" in cmd]


def _answer(repl: SimulatedRepl, cmd: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    repl.handle(json.dumps({"cmd": cmd}))
    answer: dict[str, object] = json.loads(capsys.readouterr().out)
    return answer


@pytest.mark.parametrize(
    "header",
    [
        "module\nimport Mathlib",
        "module\nprelude\npublic import Lean.Parser.Command\nimport Init.While",
        "public meta import all Mathlib.Tactic",
        "module",
    ],
)
def test_the_simulated_repl_imports_module_system_headers(
    header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _answer(SimulatedRepl(), header, capsys)
    assert "env" in answer and not answer.get("messages")


def test_an_unknown_module_is_refused_however_it_is_imported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for header in ("import NoSuch.Thing", "module\npublic meta import all NoSuch.Thing"):
        answer = _answer(SimulatedRepl(), header, capsys)
        messages = answer.get("messages")
        assert isinstance(messages, list) and "unknown module prefix" in messages[0]["data"]
        assert "NoSuch.Thing" in messages[0]["data"]
