"""Nothing lost, nothing duplicated: resume, kills, strict input, memory pressure, sandbox."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest

from leancli.sandbox.bubblewrap import bubblewrap_problem
from tests.helpers.common import REPO, read_jsonl, run_leancli, write_jsonl

ROWS = [{"id": f"p{n % 40}", "code": f"theorem t{n} : True := trivial"} for n in range(1, 121)]


def _check(*args: str, fake_repl: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return run_leancli("check", *args, "--repl", fake_repl, **kwargs)  # type: ignore[arg-type]


def test_an_existing_output_is_never_silently_overwritten(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:3])
    output = tmp_path / "out.jsonl"
    output.write_text("precious\n")
    refused = _check(str(source), "-o", str(output), fake_repl=fake_repl)
    assert refused.returncode == 2
    assert b"--resume" in refused.stderr and b"--force" in refused.stderr
    assert output.read_text() == "precious\n"
    forced = _check(str(source), "-o", str(output), "--force", fake_repl=fake_repl)
    assert forced.returncode == 0
    assert len(read_jsonl(output.read_bytes())) == 3


def test_resume_skips_answered_lines_and_drops_a_torn_last_line(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:10])
    output = tmp_path / "out.jsonl"
    first = _check(str(source), "-o", str(output), fake_repl=fake_repl)
    assert first.returncode == 0
    kept = output.read_bytes().splitlines(keepends=True)[:4]
    output.write_bytes(b"".join(kept) + b'{"id": "p5", "line": 5, "sta')  # killed mid-write
    resumed = _check(str(source), "-o", str(output), "--resume", fake_repl=fake_repl)
    assert resumed.returncode == 0, resumed.stderr
    assert b"resuming: 4 results" in resumed.stderr
    lines = output.read_bytes().splitlines()
    assert sorted(orjson.loads(line)["line"] for line in lines) == list(range(1, 11))


def test_resume_refuses_an_output_of_another_input(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:3])
    output = tmp_path / "out.jsonl"
    output.write_bytes(orjson.dumps({"id": "other", "line": 1, "status": "pass"}) + b"\n")
    done = _check(str(source), "-o", str(output), "--resume", fake_repl=fake_repl)
    assert done.returncode == 2 and b"same input file" in done.stderr


def test_sigkill_at_random_moments_then_resume_answers_every_line_exactly_once(
    tmp_path: Path, fake_repl: str
) -> None:
    rng = random.Random(7)
    rows = [
        {"id": f"p{n}", "code": f"-- fake: sleep {rng.choice([0, 0.01, 0.05])}\n"
         f"theorem t{n} : True := {'sorry' if n % 9 == 0 else 'trivial'}"}
        for n in range(1, 301)
    ]  # fmt: skip
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "leancli", "check", str(source), "-o", str(output),
               "--repl", fake_repl, "-w", "2", "--resume"]  # fmt: skip
    rounds = 0
    while True:
        rounds += 1
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=rng.uniform(0.5, 2.5))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            continue
        assert process.returncode in (0, 1), process.stderr.read() if process.stderr else ""
        break
    assert rounds >= 3  # it was really killed along the way
    raw = output.read_bytes()
    assert raw.endswith(b"\n")
    results = [orjson.loads(line) for line in raw.splitlines()]
    counts = Counter(r["line"] for r in results)
    assert sorted(counts) == list(range(1, 301))
    assert set(counts.values()) == {1}
    assert all(r["status"] == ("sorry" if r["line"] % 9 == 0 else "pass") for r in results)


def test_strict_stops_at_the_first_invalid_line_before_any_repl_starts(
    tmp_path: Path, fake_repl: str
) -> None:
    log = tmp_path / "imports.log"
    source = write_jsonl(tmp_path / "in.jsonl", [ROWS[0], ROWS[1], b"{broken", ROWS[2]])
    done = _check(str(source), "--strict", fake_repl=fake_repl, env={"FAKE_REPL_LOG": str(log)})
    assert done.returncode == 2
    assert b"line 3" in done.stderr
    assert done.stdout == b"" and not log.exists()


def test_strict_on_stdin_keeps_what_was_checked_and_exits_2(fake_repl: str) -> None:
    data = orjson.dumps(ROWS[0]) + b"\n[1]\n" + orjson.dumps(ROWS[1]) + b"\n"
    done = _check("-", "--strict", fake_repl=fake_repl, input=data)
    assert done.returncode == 2 and b"line 2" in done.stderr
    assert [r["line"] for r in read_jsonl(done.stdout)] == [1]


def test_odd_input_is_answered_line_by_line(tmp_path: Path, fake_repl: str) -> None:
    huge = "theorem big : True := trivial\n" + "-- filler line\n" * 300_000  # ~4.5 MiB
    rows = [
        {"id": "same", "code": "theorem a : True := trivial"},
        {"id": "same", "code": "theorem b : True := trivial"},
        {"id": "nul", "code": "theorem c : True := trivial\u0000"},
        {"id": "huge", "code": huge},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", [*rows, b"\xc3\x28 not utf-8"])
    results = {r["line"]: r for r in read_jsonl(_check(str(source), fake_repl=fake_repl).stdout)}
    assert [results[n]["status"] for n in (1, 2, 3, 4, 5)] == [
        "pass", "pass", "invalid", "pass", "invalid"
    ]  # fmt: skip
    assert "NUL" in results[3]["error"] and "UTF-8" in results[5]["error"]


def test_low_system_memory_recycles_idle_repls_and_still_finishes(
    tmp_path: Path, fake_repl: str
) -> None:
    log = tmp_path / "imports.log"
    rows = [
        {"id": str(n), "code": f"import Mathlib\ntheorem t{n} : True := trivial"} for n in range(6)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = _check(
        str(source), "-w", "2", "--min-free-memory", str(10**9),  # always "low"
        fake_repl=fake_repl, env={"FAKE_REPL_LOG": str(log)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(read_jsonl(done.stdout)) == 6
    assert b"min-free-memory" in done.stderr
    # Each idle REPL was recycled, so each snippet needed a fresh import.
    assert len(log.read_text().splitlines()) == 6


def test_a_recycled_worker_with_a_standby_goes_on_checking(tmp_path: Path, fake_repl: str) -> None:
    # Recycling closed the worker, standby thread included, and the next snippet's
    # standby could not start: the worker raised on every snippet after a recycle.
    rows = [
        {"id": str(n), "code": f"import Mathlib\ntheorem t{n} : True := trivial"} for n in range(6)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = _check(
        str(source), "-w", "2", "--standby", "--min-free-memory", str(10**9),
        fake_repl=fake_repl,
    )  # fmt: skip
    results = read_jsonl(done.stdout)
    assert [r["status"] for r in results] == ["pass"] * 6, done.stderr
    assert b"worker error" not in done.stderr and b"Traceback" not in done.stderr


needs_bubblewrap = pytest.mark.skipif(
    bubblewrap_problem() is not None, reason=f"no sandbox here: {bubblewrap_problem()}"
)


@needs_bubblewrap
def test_sandbox_blocks_writes_outside_tmp_and_the_network(tmp_path: Path, fake_repl: str) -> None:
    outside = REPO / "build" / f"sandbox-probe-{time.time_ns()}"
    outside.parent.mkdir(exist_ok=True)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    threading.Thread(target=lambda: [server.accept() for _ in range(2)], daemon=True).start()
    code = f"-- fake: write {outside}\n-- fake: connect 127.0.0.1:{port}\nexample : True := trivial"
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "probe", "code": code}])
    try:
        free = read_jsonl(_check(str(source), fake_repl=fake_repl).stdout)[0]
        assert [m["data"] for m in free["messages"]] == [
            f"write {outside}: ok", f"connect 127.0.0.1:{port}: ok"
        ]  # fmt: skip
        outside.unlink()
        jailed = read_jsonl(_check(str(source), "--sandbox", fake_repl=fake_repl).stdout)[0]
        data = [m["data"] for m in jailed["messages"]]
        assert data[0].startswith(f"write {outside}: failed") and "Read-only" in data[0]
        assert data[1].startswith(f"connect 127.0.0.1:{port}: failed")
        assert not outside.exists()
    finally:
        server.close()
        outside.unlink(missing_ok=True)


def test_time_leancli_spent_stopped_is_not_charged_to_a_snippet(
    tmp_path: Path, fake_repl: str
) -> None:
    # Ctrl-Z (or SIGSTOP) stops leancli and its workers, not the REPLs (sessions of their
    # own): an answer that arrives while leancli is stopped came in time.
    started = tmp_path / "started"
    rows = [
        {
            "id": "quick",
            "code": f"theorem q : True := trivial\n-- fake: pidfile {started}\n-- fake: sleep 2",
        },
        {"id": "slow", "code": "theorem s : True := trivial\n-- fake: sleep 60"},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "leancli", "check", str(source), "--repl", fake_repl]
    run = subprocess.Popen(
        [*command, "-o", str(output), "-w", "2", "--timeout", "4", "--no-dedup"],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGSTOP)  # the quick answer arrives 2 s into the stop
    time.sleep(6)  # longer than --timeout
    os.killpg(run.pid, signal.SIGCONT)
    assert run.wait(timeout=120) == 1
    statuses = {row["id"]: row["status"] for row in read_jsonl(output.read_bytes())}
    assert statuses == {"quick": "pass", "slow": "timeout"}
