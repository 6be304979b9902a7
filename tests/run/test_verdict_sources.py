"""Each verdict belongs to its snippet: edited lines on --resume, bad answers, a REPL
killed while idle, one check for copies on other lines, a shared or broken cache."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
import psutil

from leancli.options import ReplSpec, WorkerConfig
from leancli.records import Status, Task
from leancli.repl.worker import Worker
from tests.helpers.common import read_jsonl, run_leancli, write_jsonl

ROWS = [
    {"id": "a", "proof": "rfl", "code": "example : 1 = 1 := rfl"},
    {"id": "b", "proof": "rfl", "code": "example : 2 = 2 := rfl"},
    {"id": "c", "proof": "sorry", "code": "example : 3 = 3 := sorry"},
]


def _resume(source: Path, output: Path, fake_repl: str, *args: str) -> list[dict[str, Any]]:
    done = run_leancli("check", str(source), "-o", str(output), "--repl", fake_repl, *args)
    assert done.returncode in (0, 1), done.stderr
    return read_jsonl(output.read_bytes())


def test_resume_checks_an_edited_line_again_and_replaces_its_result(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    first = _resume(source, output, fake_repl)
    assert all(len(r["snippet_hash"]) == 16 for r in first)
    edited = [ROWS[0], {"id": "b", "code": "example : 2 = 2 := sorry"}, ROWS[2]]
    write_jsonl(source, edited)
    results = _resume(source, output, fake_repl, "--resume")
    assert sorted(r["line"] for r in results) == [1, 2, 3]  # one result per line
    assert {r["line"]: r["status"] for r in results} == {1: "pass", 2: "sorry", 3: "sorry"}
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left behind


def test_resume_checks_again_when_the_template_builds_another_snippet(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    template = "example : 5 = 5 := {proof}"
    _resume(source, output, fake_repl, "--template", template)
    kept = _resume(source, output, fake_repl, "--template", template, "--resume")
    assert [r["status"] for r in sorted(kept, key=lambda r: r["line"])] == ["pass", "pass", "sorry"]
    results = _resume(source, output, fake_repl, "--resume")  # the `code` field now
    assert sorted(r["line"] for r in results) == [1, 2, 3]
    assert {r["line"]: r["status"] for r in results} == {1: "pass", 2: "pass", 3: "sorry"}
    hashes = {r["snippet_hash"] for r in kept} & {r["snippet_hash"] for r in results}
    assert not hashes  # every result was computed again, from the other snippet


def test_resume_keeps_results_of_older_versions_without_a_hash(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:2])
    output = tmp_path / "out.jsonl"
    old = [
        {k: v for k, v in r.items() if k != "snippet_hash"}
        for r in _resume(source, output, fake_repl)
    ]
    output.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in old))
    write_jsonl(source, [ROWS[0], {"id": "b", "code": "example : 2 = 2 := sorry"}, ROWS[2]])
    results = _resume(source, output, fake_repl, "--resume")
    assert {r["line"]: r["status"] for r in results} == {1: "pass", 2: "pass", 3: "sorry"}


def test_resume_of_stdin_refuses_a_changed_line(tmp_path: Path, fake_repl: str) -> None:
    output = tmp_path / "out.jsonl"
    data = b"".join(orjson.dumps(r) + b"\n" for r in ROWS)
    run_leancli("check", "-", "-o", str(output), "--repl", fake_repl, input=data)
    before = output.read_bytes()
    edited = data.replace(b"2 = 2 := rfl", b"2 = 2 := sorry")
    done = run_leancli(
        "check", "-", "-o", str(output), "--repl", fake_repl, "--resume", input=edited
    )
    assert done.returncode == 2 and b"input line 2 changed" in done.stderr
    assert output.read_bytes() == before


def test_a_malformed_answer_is_a_crash_of_that_snippet_only(tmp_path: Path, fake_repl: str) -> None:
    kinds = ["list", "env-string", "env-bool", "message-number", "messages-object", "bad-pos"]
    rows = [
        {"id": kind, "code": f"-- fake: bad-answer {kind}\nexample : True := trivial"}
        for kind in kinds
    ]
    rows.append({"id": "fine", "code": "example : 1 = 1 := rfl"})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", fake_repl, "--workers", "1")
    results = {r["id"]: r for r in read_jsonl(done.stdout)}
    assert results["fine"]["status"] == "pass", done.stderr
    for kind in kinds:
        assert results[kind]["status"] == "crash", results[kind]
        assert "REPL broke the protocol" in results[kind]["error"], results[kind]
    assert b"Traceback" not in done.stderr


def test_a_repl_killed_while_idle_costs_the_next_snippet_nothing(fake_repl: str) -> None:
    worker = Worker(WorkerConfig(repl=ReplSpec.from_command(fake_repl)))
    try:
        task = Task(0, "import Mathlib", "theorem t : True := trivial", 1)
        assert worker.run(task).status is Status.PASS
        pid = worker.repl_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # the OOM killer, between two snippets
        psutil.Process(pid).wait(timeout=30)
        outcome = worker.run(Task(1, "import Mathlib", "theorem u : True := trivial", 1))
        assert outcome.status is Status.PASS, outcome.error
    finally:
        worker.close()


def test_a_copy_on_other_lines_is_a_cache_hit_with_its_own_positions(
    tmp_path: Path, fake_repl: str
) -> None:
    cache = tmp_path / "cache"
    plain = {"id": "p", "code": "import Mathlib\ntheorem t : 1 = 1 := sorry"}
    moved = {
        "id": "m",
        "code": "-- from the test set\n\nimport Mathlib\n\n\ntheorem t : 1 = 1 := sorry",
    }
    args = ["--repl", fake_repl, "--cache", str(cache)]
    run_leancli("check", str(write_jsonl(tmp_path / "a.jsonl", [plain])), *args)
    done = run_leancli("check", str(write_jsonl(tmp_path / "b.jsonl", [moved])), *args)
    (result,) = read_jsonl(done.stdout)
    assert result["cached"] is True, done.stderr
    assert result["sorries"][0]["pos"]["line"] == 6
    assert result["messages"][0]["pos"]["line"] == 6


def test_a_locked_or_damaged_cache_costs_a_warning_not_the_run(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    cache = tmp_path / "cache"
    args = ["check", str(source), "--repl", fake_repl, "--cache", str(cache)]
    assert run_leancli(*args).returncode == 1
    holder = sqlite3.connect(cache / "results.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        write_jsonl(source, [*ROWS, {"id": "d", "code": "example : 4 = 4 := rfl"}])
        done = run_leancli(*args)
        stats = run_leancli("cache", "stats", str(cache))
    finally:
        holder.close()
    assert sorted(r["line"] for r in read_jsonl(done.stdout)) == [1, 2, 3, 4], done.stderr
    assert done.stderr.count(b"going on without the cache") == 1
    assert stats.returncode == 1 and b"locked" in stats.stderr
    (cache / "results.sqlite3").write_bytes(b"this is not a database" * 100)
    for name in ("results.sqlite3-wal", "results.sqlite3-shm"):
        (cache / name).unlink(missing_ok=True)
    done = run_leancli(*args)
    assert sorted(r["line"] for r in read_jsonl(done.stdout)) == [1, 2, 3, 4], done.stderr
    assert done.stderr.count(b"going on without the cache") == 1
    stats = run_leancli("cache", "stats", str(cache))
    assert stats.returncode == 1 and b"damaged" in stats.stderr


def test_two_runs_share_a_cache_while_one_holds_a_slow_snippet(
    tmp_path: Path, fake_repl: str
) -> None:
    import subprocess
    import sys

    cache = tmp_path / "cache"
    slow = write_jsonl(
        tmp_path / "slow.jsonl",
        [
            {"id": "fast", "code": "example : 1 = 1 := rfl"},
            {"id": "slow", "code": "-- fake: sleep 40\nexample : 2 = 2 := rfl"},
        ],
    )
    first = subprocess.Popen(
        [sys.executable, "-m", "leancli", "check", str(slow), "--repl", fake_repl,
         "--cache", str(cache), "--workers", "2", "--timeout", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert first.stdout is not None
        assert orjson.loads(first.stdout.readline())["id"] == "fast"  # stored in the cache
        time.sleep(0.5)
        other = write_jsonl(
            tmp_path / "other.jsonl", [{"id": "x", "code": "example : 3 = 3 := rfl"}]
        )
        done = run_leancli("check", str(other), "--repl", fake_repl, "--cache", str(cache))
    finally:
        first.kill()
        first.wait()
    assert done.returncode == 0, done.stderr
    assert b"going on without the cache" not in done.stderr


def test_a_missing_module_is_not_cached_as_a_verdict(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": "n", "code": "import Nonexistent\ntheorem t : True := trivial"}],
    )
    args = ["check", str(source), "--repl", fake_repl, "--cache", str(tmp_path / "cache")]
    (missing,) = read_jsonl(run_leancli(*args).stdout)
    assert missing["status"] == "fail" and "unknown module prefix" in missing["error"]
    # The module is built (or the project fixed) since: the snippet is checked again.
    (fixed,) = read_jsonl(run_leancli(*args, env={"FAKE_REPL_MODULES": "Nonexistent"}).stdout)
    assert fixed["status"] == "pass" and not fixed.get("cached")
