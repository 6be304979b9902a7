"""The run loop as programs drive it: a co-process on stdin, --ordered, bad lines, the API."""

from __future__ import annotations

import select
import subprocess
import sys
from pathlib import Path
from typing import IO

import orjson
import pytest

from leancli.executors import make_executor
from leancli.inputs.items import Item
from leancli.options import CheckOptions, ReplSpec, WorkerConfig
from leancli.records import Status
from leancli.run.loop import check
from tests.helpers.common import read_jsonl, run_leancli, write_jsonl

# Not a bound on speed: what keeps a test that would hang for ever from doing so.
HANG_GUARD_SECONDS = 60


def _read_line(stream: IO[bytes]) -> bytes:
    ready, _, _ = select.select([stream], [], [], HANG_GUARD_SECONDS)
    assert ready, "no result while the input stayed open"
    return stream.readline()


def test_a_co_process_gets_each_verdict_before_it_sends_the_next(fake_repl: str) -> None:
    command = [sys.executable, "-m", "leancli", "check", "-", "--repl", fake_repl]
    verifier = subprocess.Popen(
        [*command, "--workers", "1", "--no-progress"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert verifier.stdin is not None and verifier.stdout is not None
    try:
        for number, expected in [(1, "pass"), (2, "sorry"), (3, "pass")]:
            proof = "sorry" if expected == "sorry" else "rfl"
            row = {"id": f"q{number}", "code": f"example : {number} = {number} := {proof}"}
            verifier.stdin.write(orjson.dumps(row) + b"\n")
            verifier.stdin.flush()  # and stdin stays open
            result = orjson.loads(_read_line(verifier.stdout))
            assert (result["id"], result["status"]) == (f"q{number}", expected)
        verifier.stdin.close()
        assert verifier.wait(HANG_GUARD_SECONDS) == 1  # a sorry is no pass
    finally:
        verifier.kill()
        verifier.wait()


def _rows_with_a_slow_first_line() -> list[object]:
    return [
        {"id": "slow", "code": "-- fake: sleep 1.5\nexample : 0 = 0 := rfl"},
        {"id": "fast", "code": "example : 1 = 1 := rfl"},
        b"not json",
        {"id": "again", "code": "example : 1 = 1 := rfl"},  # a duplicate of line 2
        {"id": "other", "code": "example : 2 = 2 := rfl"},
    ]


def test_ordered_results_follow_the_input(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows_with_a_slow_first_line())
    args = ["check", str(source), "--repl", fake_repl, "--workers", "2"]
    ordered = run_leancli(*args, "--ordered")
    lines = [r["line"] for r in read_jsonl(ordered.stdout)]
    assert lines == [1, 2, 3, 4, 5], ordered.stderr
    # Without it the slow first line comes last: the order above is --ordered's doing.
    unordered = run_leancli(*args)
    assert [r["line"] for r in read_jsonl(unordered.stdout)][-1] == 1
    assert sorted(r["line"] for r in read_jsonl(unordered.stdout)) == [1, 2, 3, 4, 5]


def test_a_line_that_cannot_be_prepared_is_invalid_and_the_run_goes_on(
    fake_repl: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever fails while one line is prepared (split, keys, cache) once ended the run,
    # and every --resume of it at the same line.
    import leancli.run.loop
    from leancli.inputs.snippet import split_snippet as real_split

    def split(code: str) -> object:
        if "EXPLODE" in code:
            raise RuntimeError("cannot split this one")
        return real_split(code)

    monkeypatch.setattr(leancli.run.loop, "split_snippet", split)
    options = CheckOptions(worker=WorkerConfig(repl=ReplSpec.from_command(fake_repl)), workers=1)
    items = [
        Item(1, "a", "theorem a : 1 = 1 := rfl"),
        Item(2, "b", "theorem b : 2 = 2 := rfl -- EXPLODE"),
        Item(3, "c", "theorem c : 3 = 3 := rfl"),
    ]
    results = {r.id: r for r in check(items, options)}
    assert {key: r.status for key, r in results.items()} == {
        "a": Status.PASS,
        "b": Status.INVALID,
        "c": Status.PASS,
    }
    assert "cannot split this one" in (results["b"].error or "")


def test_a_second_check_on_an_executor_gets_only_its_own_outcomes(fake_repl: str) -> None:
    options = CheckOptions(WorkerConfig(repl=ReplSpec.from_command(fake_repl)), workers=2)
    first = [
        Item(n, f"first{n}", f"-- fake: sleep 0.5\nexample : {n} = {n} := rfl")
        for n in (1, 2, 3, 4)
    ]
    second = [Item(n, f"second{n}", f"example : {n} = {n} := sorry") for n in (1, 2, 3, 4)]
    with make_executor(options) as executor:
        abandoned = check(first, options, executor=executor)
        next(abandoned)  # the rest of the first run is still on the workers
        abandoned.close()
        results = list(check(second, options, executor=executor))
    assert sorted(r.id or "" for r in results) == ["second1", "second2", "second3", "second4"]
    assert {r.status for r in results} == {Status.SORRY}


@pytest.mark.parametrize(
    "command",
    ["false", f"{sys.executable} /nonexistent/leancli-test/repl.py"],
    ids=["false", "missing-script"],
)
def test_a_repl_that_cannot_start_stops_the_run_with_exit_2(tmp_path: Path, command: str) -> None:
    rows = [{"id": str(n), "code": f"example : {n} = {n} := rfl"} for n in range(20)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli("check", str(source), "--repl", command, "--workers", "2")
    assert done.returncode == 2, done.stderr
    assert b"the REPL cannot start" in done.stderr
    assert b"Traceback" not in done.stderr
    # Not one crash per line: at most the lines already answered before the stop.
    assert len(read_jsonl(done.stdout)) < len(rows)
