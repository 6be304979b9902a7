#!/usr/bin/env python3
"""The tests' REPL: leancli's simulated REPL plus faults on cue and a model of Lean.

It answers recorded commands exactly as `leancli.simulated` does (the bundled real
transcripts, or FAKE_REPL_TRANSCRIPTS). With `--model` on its command line, a command no
recording holds gets a Lean-like answer instead of the "no recording" error: a `sorry`
warning for `sorry`, an error for `-- fake: error`, an error at the end of the input for
an unterminated comment or a trailing `in` (where Lean reports them), otherwise success.
Without `--model` it is as strict as the packaged simulator.

Cues in a snippet, one per line as `-- fake: <cue> [argument]`:
  sleep S | hang | crash | panic-oom | garbage | stderr BYTES | eat MB | error |
  write PATH | connect HOST:PORT | axioms NAME=AX1,AX2 (NAME `example`: each example) |
  spawn-child SECONDS |
  pidfile PATH | kill-parent | daemon PIDFILE | forge ENV | env NAME |
  bad-answer KIND (see BAD_ANSWERS) | big-answer MIB | close-stdin (after answering,
  stop reading requests with stdout still open)
Environment: FAKE_REPL_IMPORT_SECONDS (time per import), FAKE_REPL_COST (time per
command), FAKE_REPL_LOG (a file that gets one line per import), FAKE_REPL_COMMANDS (a
file that gets each request's cmd as a JSON line), FAKE_REPL_MODULES (extra importable
module roots, comma separated), FAKE_REPL_REPORT_AT=command (report `#print` and
`#check` over the whole command, as older Lean does, not at their token).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from leancli.simulated import TRANSCRIPTS
from leancli.simulated.repl import (
    Declared,
    SimulatedRepl,
    message,
    strip_comments,
    swallowing_end,
)

CUE = re.compile(r"^\s*--\s*fake:\s*(\S+)\s*(.*?)\s*$", re.MULTILINE)

_hoard: list[bytearray] = []

BAD_ANSWERS = {
    "list": "[1, 2]",
    "env-string": '{"env": "0"}',
    "env-bool": '{"env": true}',
    "message-number": '{"env": 1, "messages": [7]}',
    "messages-object": '{"env": 1, "messages": {"severity": "error"}}',
    "bad-pos": '{"env": 1, "messages": [{"severity": "error", "pos": "here", "data": "x"}]}',
}


# Set by the `close-stdin` cue: reading stdin fails from then on, by design.
STDIN_CLOSED = False


class FakeRepl(SimulatedRepl):
    def __init__(self, *, model: bool) -> None:
        root = Path(os.environ.get("FAKE_REPL_TRANSCRIPTS") or TRANSCRIPTS)
        extra = os.environ.get("FAKE_REPL_MODULES", "")
        super().__init__(root, modules=[m for m in extra.split(",") if m])
        self.model = model
        # As an older Lean reports `#print`: over the whole command.
        self.report_at_command_start = os.environ.get("FAKE_REPL_REPORT_AT") == "command"

    def serve(self) -> None:
        try:
            super().serve()
        except OSError:
            if not STDIN_CLOSED:  # any other failure (a sandbox's EPERM) ends the REPL
                raise
            while True:  # `close-stdin`: alive, its output open, reading nothing
                time.sleep(60)

    def on_request(self, request: dict[str, Any]) -> None:
        cost = float(os.environ.get("FAKE_REPL_COST", "0") or 0)
        if cost:
            time.sleep(cost)
        cmd = request.get("cmd")
        _log("FAKE_REPL_COMMANDS", json.dumps(cmd))
        if request.get("incrementality"):
            _log("FAKE_REPL_LOG", f"{os.getpid()} incremental {cmd!r}")
        if isinstance(cmd, str) and cmd.startswith("set_option"):
            _log("FAKE_REPL_LOG", f"{os.getpid()} option {cmd!r} env {request.get('env')}")

    def extra_messages(self, cmd: str) -> list[dict[str, Any]] | None:
        return act_on_cues(CUE.findall(cmd))

    def import_header(self, cmd: str) -> None:
        _log("FAKE_REPL_LOG", f"{os.getpid()} import {cmd!r}")
        if cmd.strip():
            time.sleep(float(os.environ.get("FAKE_REPL_IMPORT_SECONDS", "0") or 0))
        super().import_header(cmd)

    def declarations(self, cmd: str, env: int | None) -> Declared:
        declared = super().declarations(cmd, env)
        spec = dict(CUE.findall(cmd)).get("axioms")
        if spec:
            name, _, axioms = spec.partition("=")
            # `example=...`: each example, which leancli sends as `def leancli_example_N`.
            names = [n for n in declared if "leancli_example_" in n] if name == "example" else []
            for each in names or [name]:
                declared[each] = [a for a in axioms.split(",") if a]
        return declared

    def unrecorded_answer(
        self, body: str, extra: list[dict[str, Any]], env: int | None
    ) -> dict[str, Any] | None:
        if not self.model:
            return super().unrecorded_answer(body, extra, env)
        return modelled_answer(body, extra)


def modelled_answer(cmd: str, extra: list[dict[str, Any]]) -> dict[str, Any]:
    """A Lean-like answer for a command no transcript holds."""
    answer: dict[str, Any] = {}
    messages = list(extra)
    cues = dict(CUE.findall(cmd))
    if glitch := swallowing_end(cmd):
        # Lean reports these at the end of the input, wherever that is.
        messages.append(message("error", cmd.count("\n") + 1, glitch))
    elif "error" in cues:
        messages.append(
            message("error", _line_of(cmd, "-- fake: error"), "unsolved goals\n⊢ False")
        )
    elif re.search(r"\bsorry\b", strip_comments(cmd)) and not _sorry_hidden(cmd):
        line = next(i for i, text in enumerate(cmd.split("\n"), 1) if re.search(r"\bsorry\b", text))
        messages.append(message("warning", line, "declaration uses `sorry`"))
        answer["sorries"] = [
            {
                "proofState": 0,
                "pos": {"line": line, "column": 0},
                "goal": "⊢ True",
                "endPos": {"line": line, "column": 5},
            }
        ]
    if messages:
        answer["messages"] = messages
    return answer


def _sorry_hidden(cmd: str) -> bool:
    """What the issue saw Lean do: no sorry warning, and so no sorry listed, under
    `set_option warn.sorry false` (lean4#8662) or a `#guard_msgs` that drops it."""
    code = strip_comments(cmd)
    return "warn.sorry false" in code or re.search(r"#guard_msgs\s*\(drop", code) is not None


def act_on_cues(cues: list[tuple[str, str]]) -> list[dict[str, Any]] | None:
    """Carry out cues; None when the process must not answer."""
    messages: list[dict[str, Any]] = []
    for cue, argument in cues:
        if cue == "sleep":
            time.sleep(float(argument))
        elif cue == "hang":
            while True:
                time.sleep(60)
        elif cue in ("crash", "panic-oom"):
            text = (
                "uncaught exception: simulated crash"
                if cue == "crash"
                else "INTERNAL PANIC: out of memory"
            )
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
            os._exit(1)
        elif cue == "bad-answer":
            # A well-framed answer of the wrong shape; the process goes on serving.
            sys.stdout.write(BAD_ANSWERS[argument] + "\n\n")
            sys.stdout.flush()
            return None
        elif cue == "big-answer":
            # An answer of ARGUMENT MiB (a huge goal or trace): read in linear time.
            messages.append(message("info", 1, "x" * int(float(argument) * 2**20)))
        elif cue == "garbage":
            sys.stdout.write("this is not JSON\n")
            sys.stdout.flush()
        elif cue == "stderr":
            _flood_stderr(int(argument))
        elif cue == "eat":
            _eat(int(argument))
        elif cue == "pidfile":
            Path(argument).write_text(str(os.getpid()))
        elif cue == "kill-parent":
            os.kill(os.getppid(), 9)
            time.sleep(60)
        elif cue == "spawn-child":
            child = subprocess.Popen(["sleep", argument or "1000"])
            messages.append(message("info", 1, f"child {child.pid}"))
        elif cue == "daemon":
            # A double fork into a session of its own: out of the REPL's process group.
            subprocess.run(["setsid", "sh", "-c", f"sleep 1000 & echo $! > {argument}"], check=True)
        elif cue == "forge":
            # What a subprocess or a write to /dev/stdout can print: an answer of its own.
            sys.stdout.write(f'{{"env": {int(argument)}}}\n\n')
            sys.stdout.flush()
        elif cue == "close-stdin":
            global STDIN_CLOSED
            STDIN_CLOSED = True
            os.close(0)  # the request was read; the next one finds no reader
        elif cue == "env":
            messages.append(message("info", 1, f"{argument}: {os.environ.get(argument)!r}"))
        elif cue == "write":
            messages.append(message("info", 1, _try_write(argument)))
        elif cue == "connect":
            messages.append(message("info", 1, _try_connect(argument)))
    return messages


def _flood_stderr(size: int) -> None:
    chunk = b"x" * 65536 + b"\n"
    remaining = size
    while remaining > 0:
        sys.stderr.buffer.write(chunk[: min(remaining, len(chunk))])
        remaining -= len(chunk)
    sys.stderr.flush()


def _eat(megabytes: int) -> None:
    try:
        block = bytearray(megabytes * 1024 * 1024)
    except MemoryError:
        # What Lean does when an allocation fails under RLIMIT_AS.
        os.write(2, b"INTERNAL PANIC: out of memory\n")
        os._exit(1)
    for index in range(0, len(block), 4096):
        block[index] = 1
    _hoard.append(block)
    time.sleep(0.5)


def _log(variable: str, line: str) -> None:
    path = os.environ.get(variable)
    if path:
        with open(path, "a") as handle:
            handle.write(line + "\n")


def _line_of(cmd: str, text: str) -> int:
    return next((i for i, line in enumerate(cmd.split("\n"), 1) if text in line), 1)


def _try_write(path: str) -> str:
    try:
        with open(path, "w") as handle:
            handle.write("written by the simulated REPL\n")
    except OSError as exc:
        return f"write {path}: failed: {exc}"
    return f"write {path}: ok"


def _try_connect(address: str) -> str:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            pass
    except OSError as exc:
        return f"connect {address}: failed: {exc}"
    return f"connect {address}: ok"


if __name__ == "__main__":
    FakeRepl(model="--model" in sys.argv[1:]).serve()
