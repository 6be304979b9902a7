"""A worker: header reuse, position remapping, header failures, recovery after faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from leancli.inputs.snippet import split_snippet
from leancli.options import AuditOptions, MemoryLimits, ReplSpec, WorkerConfig
from leancli.records import Status, Task
from leancli.repl.worker import Worker
from tests.helpers.memory_stand_in import sparse_file, stand_in_repl


def _task(key: int, code: str) -> Task:
    snippet = split_snippet(code)
    return Task(key, snippet.header, snippet.body, snippet.offset)


@pytest.fixture
def worker(fake_repl: str) -> Iterator[Worker]:
    live = Worker(WorkerConfig(repl=ReplSpec.from_command(fake_repl), timeout=2))
    yield live
    live.close()


def _imports(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_a_header_is_imported_once_for_all_its_snippets(worker: Worker, import_log: Path) -> None:
    for key in range(5):
        outcome = worker.run(_task(key, f"import Mathlib\n\ntheorem t{key} : True := trivial"))
        assert outcome.status is Status.PASS
    worker.run(_task(9, "import Aesop\nexample : True := trivial"))
    worker.run(_task(10, "import Mathlib\nexample : True := trivial"))
    assert len(_imports(import_log)) == 2
    assert worker.headers == {"import Mathlib", "import Aesop"}


def test_positions_are_in_the_users_lines(worker: Worker) -> None:
    code = "import Mathlib\nimport Aesop\n\n-- a comment\ntheorem t : 1 = 1 := sorry"
    outcome = worker.run(_task(1, code))
    assert outcome.status is Status.SORRY
    assert outcome.sorries[0]["pos"]["line"] == 5
    assert outcome.messages[0]["pos"]["line"] == 5  # wherever the fake put it, shifted by 2


def test_a_header_that_fails_to_import_fails_its_snippets(worker: Worker, import_log: Path) -> None:
    first = worker.run(_task(1, "import NoSuchThing\nexample : True := trivial"))
    second = worker.run(_task(2, "import NoSuchThing\ntheorem u : True := trivial"))
    for outcome in (first, second):
        assert outcome.status is Status.FAIL
        assert "unknown module prefix 'NoSuchThing'" in (outcome.error or "")
        assert outcome.messages and outcome.messages[0]["severity"] == "error"
    assert len(_imports(import_log)) == 1  # the failure is remembered, not retried


def test_each_fault_is_isolated_to_its_snippet(worker: Worker) -> None:
    faults = {
        "-- fake: hang": Status.TIMEOUT,
        "-- fake: crash": Status.CRASH,
        "-- fake: garbage": Status.CRASH,
        "-- fake: panic-oom": Status.MEMORY,
        "-- fake: stderr 5000000": Status.PASS,
    }
    for key, (cue, status) in enumerate(faults.items()):
        outcome = worker.run(_task(key, f"import Mathlib\n{cue}\nexample : True := trivial"))
        assert outcome.status is status, (cue, outcome)
        after = worker.run(_task(100 + key, "import Mathlib\nexample : True := trivial"))
        assert after.status is Status.PASS, cue


def test_too_many_headers_restart_the_repl(fake_repl: str, import_log: Path) -> None:
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), max_headers=2)
    worker = Worker(config)
    try:
        pids = set()
        for module in ("Mathlib", "Aesop", "Lean", "Mathlib"):
            assert (
                worker.run(_task(0, f"import {module}\nexample : True := trivial")).status
                is Status.PASS
            )
            pids.add(worker.repl_pid)
        assert len(pids) == 2
        assert len(worker.headers) <= 2
    finally:
        worker.close()


def test_heartbeats_are_set_in_the_header_environment(fake_repl: str, import_log: Path) -> None:
    from leancli.options import LeanOptions

    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), lean=LeanOptions(heartbeats=50))
    worker = Worker(config)
    try:
        for key in range(3):
            outcome = worker.run(_task(key, "import Mathlib\nexample : True := trivial"))
            assert outcome.status is Status.PASS
    finally:
        worker.close()
    log = _imports(import_log)
    assert [line.split(" ", 1)[1] for line in log] == [
        "import 'import Mathlib'",
        "option 'set_option maxHeartbeats 50' env 0",
    ]


def test_standby_replaces_a_lost_repl_without_a_new_import(
    fake_repl: str, import_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_REPL_IMPORT_SECONDS", "1")
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), timeout=0.5, standby=True)
    worker = Worker(config)
    try:
        assert (
            worker.run(_task(1, "import Mathlib\nexample : True := trivial")).status is Status.PASS
        )
        time.sleep(2)  # the standby imports Mathlib meanwhile
        assert worker.run(_task(2, "import Mathlib\n-- fake: hang\n")).status is Status.TIMEOUT
        started = time.monotonic()
        after = worker.run(_task(3, "import Mathlib\ntheorem u : True := trivial"))
        assert after.status is Status.PASS
        assert time.monotonic() - started < 0.9  # no 1 s import on the critical path
        assert worker.standby_swaps == 1
    finally:
        worker.close()
    pids = {line.split()[0] for line in _imports(import_log)}
    assert len(pids) >= 2  # the import happened in a second REPL


def test_standby_is_killed_with_its_worker(fake_repl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_REPL_IMPORT_SECONDS", "3")
    started: list[int] = []
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), standby=True)
    worker = Worker(config, on_repl_start=started.append)
    worker.run(_task(1, "import Mathlib\nexample : True := trivial"))
    time.sleep(0.5)  # the standby is importing now
    begun = time.monotonic()
    worker.close()
    assert time.monotonic() - begun < 2  # the import in progress was cut short
    assert len(started) == 2
    for pid in started:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_repl_near_its_memory_limit_is_replaced_between_snippets(fake_repl: str) -> None:
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), memory=MemoryLimits(rss_mb=220))
    worker = Worker(config)
    try:
        grown = worker.run(_task(1, "-- fake: eat 180\ntheorem a : True := trivial"))
        first = worker.repl_pid
        assert grown.status is Status.PASS  # under the limit: not this snippet's fault
        after = worker.run(_task(2, "-- fake: eat 100\ntheorem b : True := trivial"))
        assert after.status is Status.PASS  # a fresh REPL had room for it
        assert worker.repl_pid != first
    finally:
        worker.close()


def _commands(log: Path) -> list[str]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_passing_snippet_is_checked_and_audited_in_one_request(
    worker: Worker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "commands.jsonl"
    monkeypatch.setenv("FAKE_REPL_COMMANDS", str(log))
    worker.close()  # the next request starts a REPL that sees the variable
    code = "import Mathlib\ntheorem a : True := trivial\n\nlemma b : 1 = 1 := rfl"
    outcome = worker.run(_task(1, code))
    assert outcome.status is Status.PASS, outcome.error
    assert outcome.axioms is not None and set(outcome.axioms) == {"a", "b"}
    assert outcome.messages == []  # the audit's own info messages are not the snippet's
    bodies = [cmd for cmd in _commands(log) if not cmd.startswith("import")]
    assert len(bodies) == 1 and bodies[0].endswith("#print axioms a\n#print axioms b")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("theorem t : True := trivial\n/- a proof cut off here", "unterminated comment"),
        ("theorem t : True := trivial\nopen Nat in", "unexpected end of input"),
    ],
)
def test_a_body_that_would_swallow_the_audit_gets_its_own_answer(
    worker: Worker, body: str, error: str
) -> None:
    outcome = worker.run(_task(1, f"import Mathlib\n{body}"))
    assert outcome.status is Status.FAIL
    assert (outcome.error or "").startswith(error)
    # Where Lean puts it for the snippet alone: its last line, not the audit's.
    [message] = outcome.messages
    assert message["pos"]["line"] == 3
    assert "#print" not in json.dumps(outcome.messages)


# --- memory: mapped .olean pages, anonymous memory, imports under the hard limit --------


@pytest.mark.parametrize(("request_text", "recycled"), [("map", False), ("allocate 170", True)])
def test_recycling_counts_anonymous_memory_not_mapped_files(
    tmp_path: Path, request_text: str, recycled: bool
) -> None:
    # 300 MiB of file pages read into memory, as an import of Mathlib maps its .olean
    # files: VmRSS over the limit, yet nothing the REPL could give back by restarting.
    pages = sparse_file(tmp_path / "Mathlib.olean", 300)
    if request_text == "map":
        request_text = f"map {pages}"
    started: list[int] = []
    repl = ReplSpec.from_command(stand_in_repl(tmp_path))
    config = WorkerConfig(
        repl=repl, memory=MemoryLimits(rss_mb=200), audit=AuditOptions(enabled=False)
    )
    worker = Worker(config, on_repl_start=started.append)
    try:
        first = worker.run(Task(1, "", request_text, 0))
        assert first.status is Status.PASS, first.error
        assert worker.run(Task(2, "", "example : True := trivial", 0)).status is Status.PASS
        assert len(started) == (2 if recycled else 1)
        if not recycled:
            assert psutil.Process(started[0]).memory_info().rss > 200 * 2**20
    finally:
        worker.close()


def test_a_repl_that_dies_importing_under_the_hard_limit_is_out_of_memory(
    tmp_path: Path,
) -> None:
    oleans = sparse_file(tmp_path / "Mathlib.olean", 300)
    repl = ReplSpec.from_command(stand_in_repl(tmp_path))
    config = WorkerConfig(
        repl=repl,
        memory=MemoryLimits(rss_mb=0, address_space_mb=200),
        audit=AuditOptions(enabled=False),
        environment=(("STAND_IN_OLEANS", str(oleans)),),
    )
    task = Task(1, "import Mathlib", "example : True := trivial", 1)
    worker = Worker(config)
    try:
        outcome = worker.run(task)
    finally:
        worker.close()
    assert outcome.status is Status.MEMORY
    assert "RLIMIT_AS 200 MiB" in (outcome.error or "")
    # With the floor that its .olean files need, the same import fits.
    roomy = replace(config, memory=replace(config.memory, address_space_floor_mb=1024))
    worker = Worker(roomy)
    try:
        assert worker.run(task).status is Status.PASS
    finally:
        worker.close()


@pytest.mark.parametrize("header", ["", "import Mathlib"])
def test_a_repl_that_cannot_start_crashed_it_did_not_run_out_of_memory(header: str) -> None:
    # `false`, a missing script: an ordinary exit with nothing said of memory or mapping.
    config = WorkerConfig(
        repl=ReplSpec.from_command("sh -c 'echo no such script >&2; exit 2'"),
        memory=MemoryLimits(rss_mb=0, address_space_mb=200),
    )
    worker = Worker(config)
    try:
        outcome = worker.run(Task(1, header, "example : True := trivial", 1))
    finally:
        worker.close()
    assert outcome.status is Status.CRASH
    assert "no such script" in (outcome.error or "")
