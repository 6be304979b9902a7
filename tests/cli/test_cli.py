"""`leancli check` run as a user runs it: real processes, files, pipes, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psutil

from tests.helpers.common import DATASETS, FAKE_REPL, read_jsonl, run_leancli, write_jsonl

ROWS = [
    {"id": "ok", "code": "example : 1 = 1 := rfl"},
    {"id": "sorry", "code": "theorem thm1 : 1 = 1 := sorry"},
    {"id": "bad", "code": "import Mathlib\n\ntheorem x : True := by\n  -- fake: error\n  trivial"},
]


def test_stdout_carries_only_jsonl_and_the_summary_goes_to_stderr(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    done = run_leancli("check", str(source), "--repl", fake_repl, "--progress")
    assert done.returncode == 1  # one failure, one sorry
    results = read_jsonl(done.stdout)  # every line is JSON
    assert {r["id"]: r["status"] for r in results} == {
        "ok": "pass",
        "sorry": "sorry",
        "bad": "fail",
    }
    bad = next(r for r in results if r["id"] == "bad")
    assert bad["messages"][0]["pos"]["line"] == 4  # the user's line of the error
    assert bad["error"].startswith("unsolved goals")
    assert b"checked 3 snippets" in done.stderr and b"1 pass, 1 fail, 1 sorry" in done.stderr


def test_exit_zero_when_everything_passes_and_output_goes_to_a_file(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:1] * 3)
    output = tmp_path / "out.jsonl"
    done = run_leancli("check", str(source), "-o", str(output), "--repl", fake_repl)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert [r["line"] for r in read_jsonl(output.read_bytes())] == [1, 2, 3]


def test_a_pipeline_reads_stdin(fake_repl: str) -> None:
    data = b"".join(orjson.dumps(row) + b"\n" for row in ROWS[:2])
    done = run_leancli("check", "-", "--repl", fake_repl, input=data)
    assert sorted(r["line"] for r in read_jsonl(done.stdout)) == [1, 2]


def test_repl_comes_from_the_environment_variable(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:1])
    done = run_leancli("check", str(source), env={"LEANCLI_REPL": fake_repl})
    assert done.returncode == 0, done.stderr


def test_bad_lines_are_reported_and_the_run_goes_on(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [b"{oops", ROWS[0], {"id": "x", "code": ["list"]}, b"\xff\xfe", {"id": "y"}],
    )
    done = run_leancli("check", str(source), "--repl", fake_repl)
    assert done.returncode == 1
    results = {r["line"]: r for r in read_jsonl(done.stdout)}
    assert results[2]["status"] == "pass"
    for line in (1, 3, 4, 5):
        assert results[line]["status"] == "invalid" and results[line]["error"]
    assert results[3]["id"] == "x"


def test_template_checks_a_real_dataset_file(fake_repl: str) -> None:
    source = DATASETS / "deepseek_minif2f_valid_few_shot.jsonl"
    done = run_leancli(
        "check",
        str(source),
        "--repl",
        fake_repl,
        "--template",
        "import Mathlib\nimport Aesop\n{formal_statement}{formal_proof}",
    )
    results = read_jsonl(done.stdout)
    assert len(results) == 67
    assert all(r["status"] in ("pass", "sorry") for r in results)
    assert results[0]["id"] and not results[0]["id"].startswith("{")


def test_usage_errors_exit_2_with_a_clear_message(tmp_path: Path, fake_repl: str) -> None:
    missing = run_leancli("check", str(tmp_path / "nope.jsonl"), "--repl", fake_repl)
    assert missing.returncode == 2 and b"cannot read" in missing.stderr
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:1])
    template = run_leancli("check", str(source), "--repl", fake_repl, "--template", "{oops")
    assert template.returncode == 2 and b"--template" in template.stderr
    env = {"LEANCLI_REPL": "", "LEANCLI_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    no_repl = run_leancli("check", str(source), env=env)
    assert no_repl.returncode == 2
    assert b"no Lean REPL found" in no_repl.stderr and b"leancli setup" in no_repl.stderr
    unknown = run_leancli("check", str(source), "--repl", fake_repl, "--no-such-option")
    assert unknown.returncode == 2
    absent = run_leancli("check", str(source), "--repl", str(tmp_path / "no-repl"))
    assert absent.returncode == 2 and b"not found or not executable" in absent.stderr


def _signal_mid_run(
    tmp_path: Path, fake_repl: str, signum: int, *, after: int
) -> tuple[subprocess.Popen[bytes], bytes, list[psutil.Process], Path]:
    """Start a slow run, send `signum` once `after` results are out; return what is left."""
    rows = [
        {"id": str(n), "code": f"-- fake: sleep 0.3\nexample : True := trivial -- {n}"}
        for n in range(200)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "leancli", "check", str(source), "-o", str(output),
               "--repl", fake_repl, "-w", "2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (output.exists() and output.read_bytes().count(b"\n") >= after):
        assert time.monotonic() < deadline, f"fewer than {after} results in {output}"
        time.sleep(0.05)
    children = psutil.Process(process.pid).children(recursive=True)
    assert any(str(FAKE_REPL) in " ".join(c.cmdline()) for c in children)  # REPLs run
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    return process, stderr, children, output


def test_ctrl_c_keeps_finished_results_kills_everything_and_exits_130(
    tmp_path: Path, fake_repl: str
) -> None:
    process, stderr, children, output = _signal_mid_run(tmp_path, fake_repl, signal.SIGINT, after=4)
    assert process.returncode == 130, stderr
    assert b"interrupted after" in stderr
    results = read_jsonl(output.read_bytes())
    assert len(results) >= 4 and len({r["line"] for r in results}) == len(results)
    assert not _survivors(children)


def test_sigterm_exits_143_and_leaves_no_process(tmp_path: Path, fake_repl: str) -> None:
    process, _, children, _ = _signal_mid_run(tmp_path, fake_repl, signal.SIGTERM, after=2)
    assert process.returncode == 143
    assert not _survivors(children)


def test_sigkill_of_leancli_leaves_no_worker_or_repl(tmp_path: Path, fake_repl: str) -> None:
    process, _, children, _ = _signal_mid_run(tmp_path, fake_repl, signal.SIGKILL, after=2)
    assert process.returncode == -signal.SIGKILL
    assert not _survivors(children)


def _survivors(processes: list[psutil.Process], grace: float = 10.0) -> list[str]:
    """Command lines of processes still alive after `grace` seconds."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in processes):
        time.sleep(0.1)
    return [" ".join(p.cmdline()) for p in processes if _alive(p)]


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_help_lists_the_commands() -> None:
    done = run_leancli("--help")
    assert done.returncode == 0
    for command in (b"check", b"stats"):
        assert command in done.stdout


def test_the_progress_bar_draws_on_a_terminal_and_never_touches_stdout(
    tmp_path: Path, fake_repl: str
) -> None:
    import pty

    rows = [
        {"id": str(n), "code": f"-- fake: sleep 0.05\ntheorem t{n} : True := trivial"}
        for n in range(30)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "leancli", "check", str(source), "--repl", fake_repl],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    stdout = process.stdout.read() if process.stdout else b""
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0
    assert len(read_jsonl(stdout)) == 30  # every stdout line is a result
    assert b"checking" in terminal and b"30/30" in terminal and b"pass 30" in terminal


def test_stray_prints_from_workers_never_reach_the_results(tmp_path: Path, fake_repl: str) -> None:
    # Stands in for libraries (Ray, say) that print to the process's stdout.
    noisy = tmp_path / "site"
    noisy.mkdir()
    (noisy / "sitecustomize.py").write_text(
        "import sys\n"
        "if '--multiprocessing-fork' in sys.argv:\n"
        "    print('noise from a worker', flush=True)\n"
    )
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    done = run_leancli("check", str(source), "--repl", fake_repl, env={"PYTHONPATH": str(noisy)})
    assert b"noise from a worker" in done.stderr
    assert b"noise" not in done.stdout
    assert len(read_jsonl(done.stdout)) == 3


def test_a_reader_that_goes_away_stops_the_run_quietly(tmp_path: Path, fake_repl: str) -> None:
    rows = [{"id": str(n), "code": f"theorem t{n} : True := trivial"} for n in range(3000)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    command = f"{sys.executable} -m leancli check {source} --repl '{fake_repl}' | head -1"
    pipeline = subprocess.run(
        ["bash", "-c", command + "; exit ${PIPESTATUS[0]}"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert len(read_jsonl(pipeline.stdout)) == 1
    assert pipeline.returncode == 141  # as if SIGPIPE had ended it, like other tools
    assert b"interrupted after" in pipeline.stderr and b"Traceback" not in pipeline.stderr
