"""A cancelled Checker call stops its snippets: the next call does not wait for them."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

import leancli

QUICK = "theorem quick : True := trivial"


def _hanging(pidfile: Path, name: str) -> str:
    return f"theorem {name} : True := trivial\n-- fake: pidfile {pidfile}\n-- fake: hang"


def _running_pid(pidfile: Path) -> int:
    """The PID of the REPL running the hanging snippet, once it runs."""
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the hanging snippet never started"
        time.sleep(0.02)
    return int(pidfile.read_text())


def _ends(pid: int) -> bool:
    try:
        psutil.Process(pid).wait(timeout=30)
    except psutil.TimeoutExpired:
        return False
    except psutil.NoSuchProcess:
        pass
    return True


def test_a_cancelled_acheck_stops_its_snippets(fake_repl: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "repl.pid"
    with leancli.Checker(repl=fake_repl, workers=1, timeout=600) as checker:

        async def cancelled() -> None:
            call = asyncio.ensure_future(
                checker.acheck([_hanging(pidfile, "a"), _hanging(tmp_path / "b.pid", "b")])
            )
            await asyncio.get_running_loop().run_in_executor(None, _running_pid, pidfile)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call

        asyncio.run(cancelled())  # ends: no thread of its executor is left waiting
        assert _ends(_running_pid(pidfile))
        (result,) = checker.check([QUICK])  # not behind the hanging ones
    assert result.status is leancli.Status.PASS
    assert not (tmp_path / "b.pid").exists()  # the waiting one never ran


def test_closing_an_imap_early_stops_the_rest(fake_repl: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "repl.pid"
    with leancli.Checker(repl=fake_repl, workers=1, timeout=600) as checker:
        results = checker.imap([QUICK, _hanging(pidfile, "a"), _hanging(tmp_path / "b.pid", "b")])
        assert next(results).status is leancli.Status.PASS
        pid = _running_pid(pidfile)
        results.close()
        assert _ends(pid)
        (result,) = checker.check([QUICK])
    assert result.status is leancli.Status.PASS
    assert not (tmp_path / "b.pid").exists()


def test_ctrl_c_in_check_stops_its_snippets(fake_repl: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "repl.pid"
    with leancli.Checker(repl=fake_repl, workers=1, timeout=600) as checker:

        def interrupt_once_running() -> None:
            _running_pid(pidfile)
            # As Ctrl-C does: SIGINT, to the main thread that waits in `check`.
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

        threading.Thread(target=interrupt_once_running, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            checker.check([_hanging(pidfile, "a")])
        assert _ends(_running_pid(pidfile))
        (result,) = checker.check([QUICK])
    assert result.status is leancli.Status.PASS
