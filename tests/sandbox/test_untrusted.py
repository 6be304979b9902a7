"""Untrusted code: forged answers, what a REPL's environment holds, what the sandbox shows."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

import leancli.sandbox.bubblewrap
from leancli.options import ReplSpec
from leancli.repl.protocol import CommandAnswer, command_request
from leancli.repl.session import ReplDesync, ReplSession
from leancli.sandbox.bubblewrap import bubblewrap_argv, bubblewrap_problem, cap_cpu, sandbox_binds
from leancli.sandbox.environment import repl_environment
from tests.helpers.common import FAKE_REPL, check_rows, read_jsonl, run_leancli, write_jsonl

_run = check_rows


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


needs_bubblewrap = pytest.mark.skipif(
    bubblewrap_problem() is not None, reason=f"no sandbox here: {bubblewrap_problem()}"
)
SECCOMP = Path(leancli.sandbox.bubblewrap.__file__).parent / "seccomp.py"


def test_the_confined_launcher_allows_threads_but_no_other_program() -> None:
    probe = (
        "import os, subprocess, threading\n"
        "t = threading.Thread(target=print, args=('thread ran',)); t.start(); t.join()\n"
        "for run in (lambda: subprocess.run(['true']), lambda: os.execv('/bin/true', ['true'])):\n"
        "    try:\n        run(); print('started')\n"
        "    except OSError as exc:\n        print('refused', exc.errno)\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(SECCOMP), "0", "--", sys.executable, "-c", probe],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout.decode().split("\n") == ["thread ran", "refused 1", "refused 1", ""], done


def test_the_cpu_backstop_caps_each_process_of_the_tree() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        cap_cpu(child.pid, 7)
        soft, _ = psutil.Process(child.pid).rlimit(psutil.RLIMIT_CPU)
        assert 7 <= soft <= 9
    finally:
        child.kill()
        child.wait()


def test_the_tmpfs_is_sized_and_binds_come_after_it() -> None:
    argv = bubblewrap_argv("bwrap", ("/usr", "/tmp/repl"), tmpfs_mb=64)
    at = argv.index("/tmp")
    assert argv[at - 3 : at] == ["--size", str(64 * 2**20), "--tmpfs"]
    assert argv.index("--ro-bind") > at
    assert argv[-6:-3] == ["--ro-bind", "/tmp/repl", "/tmp/repl"]


def test_the_binds_hold_the_repl_and_the_project_and_not_the_home(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".lake").mkdir(parents=True)
    repl = tmp_path / "elsewhere" / "bin" / "repl"
    repl.parent.mkdir(parents=True)
    (tmp_path / "elsewhere" / "lib").mkdir()  # an installation: PREFIX/bin and PREFIX/lib
    repl.write_text("#!/bin/sh\n")
    repl.chmod(0o755)
    binds = sandbox_binds((str(repl), "--flag"), project, {"PATH": "/usr/bin", "HOME": "/h"})
    assert str(project) in binds and str(tmp_path / "elsewhere") in binds
    assert "/usr" in binds and not any(b in ("/", "/h", str(tmp_path)) for b in binds)


@needs_bubblewrap
def test_a_sandboxed_repl_under_tmp_runs_and_sees_neither_home_nor_input(
    tmp_path: Path, fake_repl: str
) -> None:
    where = tmp_path / "repl" / "fake_repl.py"
    where.parent.mkdir()
    shutil.copy(FAKE_REPL, where)
    moved = f"{shlex.quote(sys.executable)} {shlex.quote(str(where))} --model"
    hidden = Path.home() / f".leancli-sandbox-probe-{time.time_ns()}"
    hidden.mkdir()
    try:
        code = f"-- fake: write {hidden / 'x'}\ntheorem t : True := trivial"
        [result] = _run(tmp_path, moved, [{"code": code}], "--sandbox", "--no-audit")
        assert result["status"] == "pass", result
        assert "No such file or directory" in result["messages"][0]["data"], result
        assert not (hidden / "x").exists()
    finally:
        shutil.rmtree(hidden)


@needs_bubblewrap
def test_a_sandboxed_repl_cannot_start_a_program(tmp_path: Path, fake_repl: str) -> None:
    rows = [{"code": "-- fake: spawn-child 1\ntheorem t : True := trivial"}]
    [free] = _run(tmp_path, fake_repl, rows, "--no-audit")
    assert free["status"] == "pass", free
    [jailed] = _run(tmp_path, fake_repl, rows, "--no-audit", "--sandbox")
    assert jailed["status"] == "crash" and "Operation not permitted" in jailed["error"], jailed
