"""Untrusted code: forged answers, what a REPL's environment holds, what the sandbox shows."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from leancli.options import ReplSpec
from leancli.protocol import CommandAnswer, command_request
from leancli.repl_environment import repl_environment
from leancli.session import ReplDesync, ReplSession
from tests.conftest import read_jsonl, run_leancli, write_jsonl


def _run(
    tmp_path: Path, fake_repl: str, rows: list[dict[str, Any]], *args: str
) -> list[dict[str, Any]]:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", fake_repl, *args)
    assert done.returncode in (0, 1), done.stderr
    return sorted(read_jsonl(done.stdout), key=lambda r: r["line"])


# The REPL numbers the environments of one process 0, 1, 2, ... as commands make them
# (`recordCommandSnapshot` in leanprover-community/repl's Main.lean pushes each command's
# state and answers its index); an error answer such as "Unknown environment." makes none.


def test_an_answer_with_the_wrong_env_number_is_a_desync(fake_repl: str) -> None:
    with ReplSession(ReplSpec.from_command(fake_repl)) as session:
        first = session.send(command_request("theorem a : True := trivial"), timeout=10)
        assert isinstance(first, CommandAnswer) and first.env == 0
        forged = "-- fake: forge 7\n-- fake: sleep 0.3\ntheorem b : True := trivial"
        with pytest.raises(ReplDesync, match="answer desynchronised"):
            session.send(command_request(forged, env=0), timeout=10)
        assert not session.alive  # replaced on the next request


def test_a_well_numbered_forgery_is_caught_when_the_real_answer_arrives(fake_repl: str) -> None:
    # The forger guessed the number; the real answer comes after it, and the next request
    # finds it waiting (or takes it for its own answer, with an old number).
    with ReplSession(ReplSpec.from_command(fake_repl)) as session:
        session.send(command_request("theorem a : True := trivial"), timeout=10)
        forged = "-- fake: forge 1\n-- fake: sleep 0.3\ntheorem b : True := trivial"
        taken = session.send(command_request(forged, env=0), timeout=10)
        assert taken == CommandAnswer(env=1)
        time.sleep(0.5)  # orders the events; either way the next exchange must fail
        with pytest.raises(ReplDesync, match="answer desynchronised"):
            session.send(command_request("theorem c : True := trivial", env=0), timeout=10)
        fresh = session.send(command_request("theorem d : True := trivial"), timeout=10)
        assert isinstance(fresh, CommandAnswer) and fresh.env == 0


def test_two_answers_in_one_read_are_a_desync(tmp_path: Path) -> None:
    script = tmp_path / "twice.py"
    script.write_text(
        "import sys\nsys.stdin.readline(); sys.stdin.readline()\n"
        'sys.stdout.write(\'{"env": 0}\\n\\n{"env": 0}\\n\\n\'); sys.stdout.flush()\n'
        "sys.stdin.read()\n"
    )
    spec = ReplSpec.from_command(f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    with (
        ReplSession(spec) as session,
        pytest.raises(ReplDesync, match="more than one answer"),
    ):
        session.send(command_request("theorem a : True := trivial"), timeout=10)


def test_a_forged_answer_crashes_its_snippet_and_the_next_ones_get_their_own(
    tmp_path: Path, fake_repl: str
) -> None:
    rows = [
        {"id": "forger", "code": "-- fake: forge 99\n-- fake: sleep 0.3\ntheorem f : True := ⟨⟩"},
        {"id": "wrong", "code": "theorem w : False := by\n  -- fake: error\n  skip"},
        {"id": "right", "code": "theorem r : True := trivial"},
    ]
    results = _run(tmp_path, fake_repl, rows, "-w", "1", "--no-audit", "--no-dedup")
    status = {r["id"]: r["status"] for r in results}
    assert status == {"forger": "crash", "wrong": "fail", "right": "pass"}, results
    assert "answer desynchronised" in results[0]["error"]


def _seen(result: dict[str, Any]) -> dict[str, str]:
    return dict(m["data"].split(": ", 1) for m in result["messages"] if m["severity"] == "info")


def test_a_repl_sees_only_what_lean_needs_and_what_it_is_told_to(
    tmp_path: Path, fake_repl: str
) -> None:
    names = ["SECRET_TOKEN", "PASSED_FLAG", "PASSED_LISTED", "LEAN_NUM_THREADS", "PATH"]
    code = "".join(f"-- fake: env {name}\n" for name in names) + "theorem t : True := trivial"
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": code}])
    environment = {
        "SECRET_TOKEN": "hunter2",
        "PASSED_FLAG": "a",
        "PASSED_LISTED": "b",
        "LEAN_NUM_THREADS": "3",
        "LEANCLI_PASS_ENV": "FAKE_REPL_*, PASSED_LISTED",
    }
    done = run_leancli(
        "check", str(source), "--repl", fake_repl, "--pass-env", "PASSED_FLAG", env=environment
    )
    assert done.returncode == 0, done.stderr
    seen = _seen(read_jsonl(done.stdout)[0])
    assert seen["SECRET_TOKEN"] == "None"
    assert seen["PASSED_FLAG"] == "'a'" and seen["PASSED_LISTED"] == "'b'"
    assert seen["LEAN_NUM_THREADS"] == "'3'" and seen["PATH"] != "None"


def test_only_named_variables_and_prefixes_pass() -> None:
    environ = {"HOME": "/h", "AWS_SECRET": "s", "LAKE_CACHE_KEY": "k", "MY_A": "1", "MY_B": "2"}
    assert repl_environment(environ) == {"HOME": "/h"}
    assert repl_environment(environ, ("MY_*",), {"HOME": "/x"}) == {
        "HOME": "/x",
        "MY_A": "1",
        "MY_B": "2",
    }
    listed = {**environ, "LEANCLI_PASS_ENV": " AWS_SECRET ,,"}
    assert repl_environment(listed) == {"HOME": "/h", "AWS_SECRET": "s"}


@pytest.mark.parametrize(
    ("args", "environment", "named"),
    [
        (["--pass-env", "A=B"], {}, b"--pass-env"),
        ([], {"LEANCLI_PASS_ENV": "OK,no good"}, b"LEANCLI_PASS_ENV"),
    ],
)
def test_a_bad_variable_name_is_refused_before_anything_starts(
    tmp_path: Path, fake_repl: str, args: list[str], environment: dict[str, str], named: bytes
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "theorem t : True := trivial"}])
    done = run_leancli("check", str(source), "--repl", fake_repl, *args, env=environment)
    assert done.returncode == 2 and named in done.stderr, done.stderr
    assert b"Traceback" not in done.stderr
