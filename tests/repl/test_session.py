"""The REPL session against the simulated REPL: answers, faults, limits, process groups."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from leancli.options import MemoryLimits, ReplSpec
from leancli.repl.process_memory import resident_from_status
from leancli.repl.protocol import CommandAnswer, ErrorAnswer, command_request
from leancli.repl.session import ReplCrash, ReplOutOfMemory, ReplSession, ReplTimeout
from tests.helpers.memory_stand_in import sparse_file, stand_in_repl


@pytest.fixture
def session(fake_repl: str) -> Iterator[ReplSession]:
    with ReplSession(ReplSpec.from_command(fake_repl)) as live:
        yield live


def test_a_real_transcript_answer_comes_back_whole(session: ReplSession) -> None:
    answer = session.send(command_request("theorem thm1 : 1 = 1 := sorry"), timeout=10)
    assert isinstance(answer, CommandAnswer)
    assert answer.sorries[0]["goal"] == "⊢ 1 = 1"
    assert answer.messages[0]["data"] == "declaration uses `sorry`"


def test_envs_carry_over_between_requests(session: ReplSession) -> None:
    first = session.send(command_request("import Lean"), timeout=10)
    assert isinstance(first, CommandAnswer)
    second = session.send(command_request("example : True := trivial", env=first.env), 10)
    assert isinstance(second, CommandAnswer) and second.env == first.env + 1
    unknown = session.send(command_request("example : True := trivial", env=99), 10)
    assert unknown == ErrorAnswer("Unknown environment.")


def test_timeout_kills_the_repl_and_the_next_request_gets_a_fresh_one(session: ReplSession) -> None:
    session.send(command_request("example : True := trivial"), timeout=10)
    old_pid = session.pid
    started = time.monotonic()
    with pytest.raises(ReplTimeout):
        session.send(command_request("-- fake: hang\nexample : True := trivial"), timeout=0.5)
    assert time.monotonic() - started < 3
    assert old_pid is not None
    assert not psutil.pid_exists(old_pid) or _is_zombie(old_pid)
    answer = session.send(command_request("example : True := trivial"), timeout=10)
    assert isinstance(answer, CommandAnswer) and session.pid != old_pid


def test_crash_reports_the_repl_stderr(session: ReplSession) -> None:
    with pytest.raises(ReplCrash, match="simulated crash"):
        session.send(command_request("-- fake: crash"), timeout=10)


def test_garbage_on_stdout_is_a_protocol_crash_not_a_hang(session: ReplSession) -> None:
    started = time.monotonic()
    with pytest.raises(ReplCrash, match="non-JSON"):
        session.send(command_request("-- fake: garbage\nexample : True := trivial"), timeout=30)
    assert time.monotonic() - started < 5


def test_megabytes_of_stderr_do_not_deadlock(session: ReplSession) -> None:
    answer = session.send(
        command_request("-- fake: stderr 20000000\nexample : True := trivial"), 30
    )
    assert isinstance(answer, CommandAnswer)
    assert len(session._stderr_tail) <= 64 * 1024  # only the end is kept


def test_a_large_request_is_written_without_blocking(session: ReplSession) -> None:
    big = "example : True := trivial\n" + "-- padding\n" * 400_000  # about 4.4 MB
    assert isinstance(session.send(command_request(big), timeout=30), CommandAnswer)


def test_rss_over_the_limit_is_out_of_memory(fake_repl: str) -> None:
    limits = MemoryLimits(rss_mb=150)
    with (
        ReplSession(ReplSpec.from_command(fake_repl), limits) as session,
        pytest.raises(ReplOutOfMemory, match="over --memory-limit 150"),
    ):
        session.send(command_request("-- fake: eat 400"), timeout=30)


def test_dying_on_the_hard_limit_is_out_of_memory_not_a_crash(fake_repl: str) -> None:
    limits = MemoryLimits(rss_mb=0, address_space_mb=600)
    with ReplSession(ReplSpec.from_command(fake_repl), limits) as session:
        assert isinstance(session.send(command_request("-- fake: eat 50"), 30), CommandAnswer)
        with pytest.raises(ReplOutOfMemory, match="INTERNAL PANIC"):
            session.send(command_request("-- fake: eat 2000"), timeout=30)


def test_lean_panic_message_is_out_of_memory(session: ReplSession) -> None:
    with pytest.raises(ReplOutOfMemory):
        session.send(command_request("-- fake: panic-oom"), timeout=10)


def test_close_kills_what_the_repl_started(session: ReplSession) -> None:
    answer = session.send(command_request("-- fake: spawn-child 1000"), timeout=10)
    assert isinstance(answer, CommandAnswer)
    child = int(answer.messages[0]["data"].split()[1])
    assert psutil.pid_exists(child)
    assert os.getpgid(child) == session.pid  # its own process group
    session.close()
    deadline = time.monotonic() + 5
    while psutil.pid_exists(child) and not _is_zombie(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not psutil.pid_exists(child) or _is_zombie(child)


def test_a_missing_repl_binary_is_a_crash_with_the_command(tmp_path: Path) -> None:
    with (
        ReplSession(ReplSpec.from_command(str(tmp_path / "no-such-repl"))) as session,
        pytest.raises(ReplCrash),
    ):
        session.send(command_request("example : True := trivial"), timeout=10)


def _is_zombie(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


# --- memory: what a REPL costs, and the room its imports need ---------------------------


def test_mapped_file_pages_do_not_count_toward_the_memory_limit(tmp_path: Path) -> None:
    pages = sparse_file(tmp_path / "Mathlib.olean", 300)
    limits = MemoryLimits(rss_mb=200)
    with ReplSession(ReplSpec.from_command(stand_in_repl(tmp_path)), limits) as session:
        answer = session.send(command_request(f"map {pages}"), timeout=30)
        assert isinstance(answer, CommandAnswer)  # not out of memory
        assert session.pid is not None
        assert psutil.Process(session.pid).memory_info().rss > 200 * 2**20  # VmRSS would be
        assert 0 < session.anon_rss < 100 * 2**20


def test_anonymous_memory_over_the_limit_is_still_out_of_memory(tmp_path: Path) -> None:
    limits = MemoryLimits(rss_mb=150)
    with (
        ReplSession(ReplSpec.from_command(stand_in_repl(tmp_path)), limits) as session,
        pytest.raises(ReplOutOfMemory, match="anonymous memory, over --memory-limit 150"),
    ):
        session.send(command_request("allocate 300"), timeout=30)


def test_the_hard_limit_is_never_below_the_floor(tmp_path: Path) -> None:
    limits = MemoryLimits(rss_mb=0, address_space_mb=1024, address_space_floor_mb=3072)
    with ReplSession(ReplSpec.from_command(stand_in_repl(tmp_path)), limits) as session:
        answer = session.send(command_request("rlimit"), timeout=30)
    assert isinstance(answer, CommandAnswer)
    assert int(answer.messages[0]["data"]) == 3072 * 2**20


def test_resident_memory_is_rss_anon_where_proc_has_it_else_vm_rss() -> None:
    status = b"Name:\trepl\nVmRSS:\t 6500000 kB\nRssAnon:\t 1200000 kB\nRssFile:\t 5300000 kB\n"
    assert resident_from_status(status) == 1200000 * 1024
    old_kernel = b"Name:\trepl\nVmRSS:\t 6500000 kB\n"  # Linux before 4.5: no RssAnon
    assert resident_from_status(old_kernel) == 6500000 * 1024
    assert resident_from_status(b"Name:\tzombie\n") == 0


def test_a_daemon_a_snippet_starts_ends_with_its_repl(fake_repl: str, tmp_path: Path) -> None:
    import psutil

    pidfile = tmp_path / "daemon.pid"
    session = ReplSession(ReplSpec.from_command(fake_repl))
    try:
        answer = session.send(command_request(f"-- fake: daemon {pidfile}\ndef f := 1"), 30)
        assert isinstance(answer, CommandAnswer)
        daemon = psutil.Process(int(pidfile.read_text()))
        assert os.getsid(daemon.pid) != os.getsid(session.pid or 0)  # left the REPL's session
    finally:
        session.close()
    daemon.wait(timeout=10)
    assert not daemon.is_running() or daemon.status() == psutil.STATUS_ZOMBIE
