"""Run a REPL, passing its standard input through, and note every header it is asked to import.

Usage: python lean_tier_tap.py LOG REPL-COMMAND...

The REPL keeps this process's stdout and stderr, so its answers reach the reader as they
are. Every request the REPL gets with a `cmd` and no `env` (one that imports a header)
adds a line `{"pid": <this process>, "header": <cmd>}` to LOG: the `lean` tier counts
imports per REPL that way, from what the REPL was really sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading


def note_import(log: str, frame: bytes) -> None:
    try:
        request = json.loads(frame)
    except ValueError:
        return  # the REPL says what is wrong with it
    if isinstance(request, dict) and "cmd" in request and "env" not in request:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "header": request["cmd"]}) + "\n")


def exit_with_repl(repl: subprocess.Popen[bytes]) -> None:
    # A REPL that exits (a crash, out of memory) ends the tap with it, so that its
    # reader sees the pipe close at once rather than after its own timeout.
    code = repl.wait()
    os._exit(code if code >= 0 else 128 - code)


def main() -> None:
    log, argv = sys.argv[1], sys.argv[2:]
    repl = subprocess.Popen(argv, stdin=subprocess.PIPE)
    assert repl.stdin is not None
    threading.Thread(target=exit_with_repl, args=(repl,), daemon=True).start()
    frame: list[bytes] = []
    for line in sys.stdin.buffer:
        if line.strip():
            frame.append(line)
        elif frame:
            note_import(log, b"".join(frame))
            frame = []
        try:
            repl.stdin.write(line)
            repl.stdin.flush()
        except BrokenPipeError:
            break
    repl.stdin.close()
    exit_with_repl(repl)


if __name__ == "__main__":
    main()
