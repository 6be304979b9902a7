"""The oracle's reference (tests/helpers/oracle.py `EXPECTED`) against one session of the
simulated REPL, one snippet at a time, read by hand: no leancli in between."""

from __future__ import annotations

import json
import os
import select
import shlex
import subprocess
from typing import Any

from tests.helpers.oracle import (
    HEADERS,
    KINDS,
    NOTHING,
    REPL,
    TIMEOUTS,
    Sample,
    body_of,
    expected_positions,
    expected_status,
)

# The simulated REPL answers these commands in milliseconds, once started (WARM_UP).
HANG_SECONDS = 5.0
WARM_UP = "theorem warm_up : True := trivial"


class Session:
    """The simulated REPL as a plain process: a JSON command in, a blank-line framed answer
    out (None: no answer in time, or the process ended)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            shlex.split(REPL), stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def send(self, cmd: str, seconds: float = HANG_SECONDS) -> dict[str, Any] | None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"cmd": cmd}).encode() + b"\n\n")
        self.process.stdin.flush()
        received = b""
        # Raw reads: a buffered reader would keep what select() must see.
        while b"\n\n" not in received.lstrip():
            ready, _, _ = select.select([self.process.stdout], [], [], seconds)
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                return None  # no answer in time, or the process ended
            received += chunk
        return dict(json.loads(received))

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def status_of(code: str, answer: dict[str, Any] | None, alive: bool) -> str:
    """Lean's verdict as a reader of the REPL's answer gives it."""
    if answer is None:
        return "timeout" if alive else "crash"
    messages = answer.get("messages", [])
    if any(m["severity"] == "error" for m in messages):
        return "fail"
    if answer.get("sorries") or any("sorry" in m["data"] for m in messages):
        return "sorry"
    declares = any(word in code for word in ("theorem", "def ", "example"))
    return "pass" if declares else "invalid"  # accepted with nothing checked: no proof


def _alive(process: subprocess.Popen[bytes]) -> bool:
    try:
        process.wait(timeout=2)  # an ended process is reaped within that
    except subprocess.TimeoutExpired:
        return True
    return False


def test_the_reference_is_what_the_simulated_repl_says() -> None:
    slow = ("hang", "slow")  # each costs seconds
    cases = [
        (kind, variant, header, timeout)
        for kind in KINDS
        for variant in range(len(NOTHING) if kind == "nothing" else 1 if kind in slow else 2)
        for header in (range(len(HEADERS)) if kind not in slow else range(1))
        for timeout in (TIMEOUTS if kind == "slow" else TIMEOUTS[-1:])
    ]
    session = Session()
    try:
        # One session, one snippet at a time; a new one after a snippet that ended it (or
        # was not answered in time).
        for kind, variant, header, timeout in cases:
            assert session.send(WARM_UP, seconds=120) is not None
            code = HEADERS[header] + body_of(kind, variant)
            answer = session.send(code, seconds=timeout)
            status = status_of(code, answer, answer is not None or _alive(session.process))
            assert status == expected_status(kind, timeout), (kind, variant, header, answer)
            positions = expected_positions(Sample(kind, variant, header, 0, "p"))
            if answer is not None and positions is not None:
                got = sorted(m["pos"]["line"] for m in answer.get("messages", []))
                assert got == positions, (kind, variant, header, answer)
            if answer is None:
                session.close()
                session = Session()
    finally:
        session.close()
