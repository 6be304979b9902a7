#!/usr/bin/env python3
"""A simulated Lean REPL for tests: same wire protocol, answers from real transcripts.

It reads blank-line framed JSON requests on stdin (joining a request's lines with their
ends trimmed, as the real REPL does) and prints pretty JSON answers each followed by a
blank line. A command whose text is in a transcript under FAKE_REPL_TRANSCRIPTS gets the
real recorded answer; a body run in the environment of an import header is looked up as
header + body and its positions are made relative to the body, as the real REPL reports
them. Anything else gets a Lean-like answer: a `sorry` warning for `sorry`, an error for
`-- fake: error`, an error at the end of the input for an unterminated comment or a
trailing `in`, otherwise success. `#print axioms NAME` lines answer with the axioms of
NAME (declared by `theorem`, `lemma` or `def`, or set by the `axioms` cue), alone or
two lines below a snippet, as leancli's audit sends them.

Cues in a snippet, one per line as `-- fake: <cue> [argument]`:
  sleep S | hang | crash | panic-oom | garbage | stderr BYTES | eat MB | error |
  write PATH | connect HOST:PORT | axioms NAME=AX1,AX2 | spawn-child SECONDS |
  pidfile PATH | kill-parent
Environment: FAKE_REPL_IMPORT_SECONDS (time per import), FAKE_REPL_COST (time per
command), FAKE_REPL_LOG (a file that gets one line per import), FAKE_REPL_COMMANDS (a
file that gets each request's cmd as a JSON line), FAKE_REPL_MODULES (extra importable
module roots, comma separated).
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

HERE = Path(__file__).resolve().parent
DEFAULT_TRANSCRIPTS = HERE.parent.parent / "shared" / "repl-transcripts"
KNOWN_MODULES = {"Mathlib", "Aesop", "Lean", "Init", "Std", "Batteries", "Qq", "Lake"}
CUE = re.compile(r"^\s*--\s*fake:\s*(\S+)\s*(.*?)\s*$", re.MULTILINE)
IMPORT = re.compile(r"^import\s+(\S+)")
ENV_FIELD = re.compile(r'"env":\s*\d+')
AXIOMS_QUERY = re.compile(r"^#print axioms\s+(\S+)\s*$")
# `#print axioms` lines two lines below a snippet, as leancli's audit appends them.
TRAILING_QUERIES = re.compile(r"\n\n(?P<names>(?:#print axioms \S+\n?)+)$")

_hoard: list[bytearray] = []


def load_transcripts(root: Path) -> dict[str, str]:
    """cmd text -> the exact answer text the real REPL printed (first one wins)."""
    answers: dict[str, str] = {}
    if not root.is_dir():
        return answers
    for request_file in sorted(root.rglob("*.in")):
        answer_file = request_file.with_name(request_file.name[:-3] + ".expected.out")
        if not answer_file.exists():
            continue
        requests = _frames(request_file.read_text())
        replies = _frames(answer_file.read_text())
        for request_text, reply in zip(requests, replies, strict=False):
            try:
                request = json.loads(" ".join(line.rstrip() for line in request_text.split("\n")))
            except json.JSONDecodeError:
                continue
            cmd = request.get("cmd")
            if isinstance(cmd, str) and set(request) <= {"cmd", "env"}:
                answers.setdefault(cmd, reply)
    return answers


def _frames(text: str) -> list[str]:
    return [frame.strip("\n") for frame in re.split(r"\n\s*\n", text) if frame.strip()]


class FakeRepl:
    def __init__(self) -> None:
        root = Path(os.environ.get("FAKE_REPL_TRANSCRIPTS", DEFAULT_TRANSCRIPTS))
        self.answers = load_transcripts(root)
        self.headers: dict[int, str] = {}  # env -> the import header it was built from
        self.declared: dict[int, dict[str, list[str]]] = {}  # env -> name -> axioms
        self.next_env = 0
        extra = os.environ.get("FAKE_REPL_MODULES", "")
        self.modules = KNOWN_MODULES | {m for m in extra.split(",") if m}

    def serve(self) -> None:
        lines: list[str] = []
        for raw in sys.stdin:
            line = raw.rstrip()
            if line:
                lines.append(line)
                continue
            if lines:
                self.handle("".join(lines))
                lines = []
        if lines:
            self.handle("".join(lines))

    def handle(self, text: str) -> None:
        request = json.loads(text)  # malformed JSON kills the process, as in the real REPL
        cost = float(os.environ.get("FAKE_REPL_COST", "0") or 0)
        if cost:
            time.sleep(cost)
        cmd = request.get("cmd")
        if os.environ.get("FAKE_REPL_COMMANDS"):
            with open(os.environ["FAKE_REPL_COMMANDS"], "a") as handle:
                handle.write(json.dumps(cmd) + "\n")
        if request.get("incrementality") and os.environ.get("FAKE_REPL_LOG"):
            with open(os.environ["FAKE_REPL_LOG"], "a") as handle:
                handle.write(f"{os.getpid()} incremental {cmd!r}\n")
        if not isinstance(cmd, str):
            self.reply_text(json.dumps({"message": "Unknown request."}))
            return
        env = request.get("env")
        if env is not None and env not in self.headers:
            self.reply_text('{"message": "Unknown environment."}')
            return
        cues = CUE.findall(cmd)
        extra_messages = self.act_on_cues(cues)
        if extra_messages is None:
            return
        header = self.headers.get(env, "") if env is not None else ""
        if env is None and _only_imports(cmd):
            self.import_header(cmd)
            return
        if cmd.startswith("set_option") and os.environ.get("FAKE_REPL_LOG"):
            with open(os.environ["FAKE_REPL_LOG"], "a") as handle:
                handle.write(f"{os.getpid()} option {cmd!r} env {env}\n")
        self.answer_command(cmd, header, env, extra_messages, dict(cues))

    def import_header(self, cmd: str) -> None:
        missing = [m for m in IMPORT.findall(cmd) if m.split(".")[0] not in self.modules]
        log = os.environ.get("FAKE_REPL_LOG")
        if log:
            with open(log, "a") as handle:
                handle.write(f"{os.getpid()} import {cmd!r}\n")
        if cmd.strip():
            time.sleep(float(os.environ.get("FAKE_REPL_IMPORT_SECONDS", "0") or 0))
        if missing:
            message = {
                "severity": "error",
                "pos": {"line": 1, "column": 0},
                "endPos": {"line": 1, "column": 0},
                "data": f"unknown module prefix '{missing[0]}'\n\nNo directory '{missing[0]}' "
                "or file '" + missing[0] + ".olean' in the search path entries",
            }
            self.reply({"messages": [message]}, header="")
            return
        self.reply({}, header=cmd.strip())

    def answer_command(
        self,
        cmd: str,
        header: str,
        env: int | None,
        extra_messages: list[dict[str, Any]],
        cues: dict[str, str],
    ) -> None:
        queries = [AXIOMS_QUERY.match(line) for line in cmd.split("\n")]
        if env is not None and queries and all(queries):
            names = [query.group(1) for query in queries if query]
            answer = self.axioms_answer(names, self.declared.get(env, {}))
            self.reply(answer, header=header, env=env)
            return
        declared = self.collect_declarations(cmd, cues, env)
        # `#print axioms` lines after the snippet (the audit riding along) answer after it.
        body, prints = cmd, []
        if trailing := TRAILING_QUERIES.search(cmd):
            body = cmd[: trailing.start()]
            first = body.count("\n") + 3
            lines = trailing["names"].splitlines()
            prints = [(first + i, query.split()[-1]) for i, query in enumerate(lines)]
        whole = f"{header}\n{body}" if header else body
        recorded = self.answers.get(whole)
        glitch = _glitch(cmd)
        if recorded is not None and not extra_messages and not glitch:
            answer = json.loads(recorded)
            if header:
                lines = header.count("\n") + 1
                for entry in answer.get("messages", []) + answer.get("sorries", []):
                    for key in ("pos", "endPos"):
                        if key in entry:
                            entry[key]["line"] -= lines
            elif not prints:
                self.reply_text(ENV_FIELD.sub(f'"env": {self.new_env(header, declared)}', recorded))
                return
            answer.pop("env", None)
        else:
            answer = self.synthetic_answer(cmd, extra_messages, cues, glitch)
        if prints and not glitch:
            audit = self.axioms_answer([name for _, name in prints], declared)
            for (line, _), message in zip(prints, audit["messages"], strict=True):
                message["pos"]["line"] = message["endPos"]["line"] = line
            answer["messages"] = answer.get("messages", []) + audit["messages"]
        self.reply(answer, header=header, declared=declared)

    def synthetic_answer(
        self,
        cmd: str,
        extra_messages: list[dict[str, Any]],
        cues: dict[str, str],
        glitch: str | None,
    ) -> dict[str, Any]:
        """A Lean-like answer for a command no transcript holds."""
        answer: dict[str, Any] = {}
        messages = list(extra_messages)
        if glitch:
            # Lean reports these at the end of the input, wherever that is.
            messages.append(_message("error", cmd.count("\n") + 1, glitch))
        elif "error" in cues:
            messages.append(
                _message("error", _line_of(cmd, "-- fake: error"), "unsolved goals\n⊢ False")
            )
        elif re.search(r"\bsorry\b", _strip_comments(cmd)):
            line = next(
                i for i, text in enumerate(cmd.split("\n"), 1) if re.search(r"\bsorry\b", text)
            )
            messages.append(_message("warning", line, "declaration uses `sorry`"))
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

    def collect_declarations(
        self, cmd: str, cues: dict[str, str], env: int | None
    ) -> dict[str, list[str]]:
        declared = dict(self.declared.get(env, {})) if env is not None else {}
        code = _strip_comments(cmd)
        uses = ["sorryAx"] if re.search(r"\bsorry\b", code) else []
        if "native_decide" in code:
            uses.append("Lean.ofReduceBool")
        for name in re.findall(r"^\s*(?:theorem|lemma|def)\s+(\S+)", cmd, re.MULTILINE):
            declared[name] = ["propext", "Classical.choice", "Quot.sound", *uses]
        for spec in [cues.get("axioms")] if cues.get("axioms") else []:
            name, _, axioms = spec.partition("=")
            declared[name] = [a for a in axioms.split(",") if a]
        return declared

    def axioms_answer(self, names: list[str], declared: dict[str, list[str]]) -> dict[str, Any]:
        messages = []
        for line, name in enumerate(names, start=1):
            axioms = declared.get(name)
            if axioms is None:
                messages.append(_message("error", line, f"unknown constant '{name}'"))
            elif not axioms:
                messages.append(_message("info", line, f"'{name}' does not depend on any axioms"))
            else:
                text = f"'{name}' depends on axioms: [{', '.join(axioms)}]"
                messages.append(_message("info", line, text))
        return {"messages": messages}

    def act_on_cues(self, cues: list[tuple[str, str]]) -> list[dict[str, Any]] | None:
        """Carry out cues; None when the process must not answer."""
        messages: list[dict[str, Any]] = []
        for cue, argument in cues:
            if cue == "sleep":
                time.sleep(float(argument))
            elif cue == "hang":
                while True:
                    time.sleep(60)
            elif cue == "crash":
                sys.stderr.write("uncaught exception: simulated crash\n")
                sys.stderr.flush()
                os._exit(1)
            elif cue == "panic-oom":
                sys.stderr.write("INTERNAL PANIC: out of memory\n")
                sys.stderr.flush()
                os._exit(1)
            elif cue == "garbage":
                sys.stdout.write("this is not JSON\n")
                sys.stdout.flush()
            elif cue == "stderr":
                chunk = b"x" * 65536 + b"\n"
                remaining = int(argument)
                while remaining > 0:
                    sys.stderr.buffer.write(chunk[: min(remaining, len(chunk))])
                    remaining -= len(chunk)
                sys.stderr.flush()
            elif cue == "eat":
                try:
                    block = bytearray(int(argument) * 1024 * 1024)
                except MemoryError:
                    # What Lean does when an allocation fails under RLIMIT_AS.
                    os.write(2, b"INTERNAL PANIC: out of memory\n")
                    os._exit(1)
                for index in range(0, len(block), 4096):
                    block[index] = 1
                _hoard.append(block)
                time.sleep(0.5)
            elif cue == "pidfile":
                Path(argument).write_text(str(os.getpid()))
            elif cue == "kill-parent":
                os.kill(os.getppid(), 9)
                time.sleep(60)
            elif cue == "spawn-child":
                child = subprocess.Popen(["sleep", argument or "1000"])
                messages.append(_message("info", 1, f"child {child.pid}"))
            elif cue == "write":
                messages.append(_message("info", 1, _try_write(argument)))
            elif cue == "connect":
                messages.append(_message("info", 1, _try_connect(argument)))
        return messages

    def new_env(self, header: str, declared: dict[str, list[str]] | None = None) -> int:
        env = self.next_env
        self.next_env += 1
        self.headers[env] = header
        self.declared[env] = declared or {}
        return env

    def reply(
        self,
        answer: dict[str, Any],
        *,
        header: str,
        env: int | None = None,
        declared: dict[str, list[str]] | None = None,
    ) -> None:
        if declared is None and env is not None:
            declared = self.declared.get(env)
        answer["env"] = self.new_env(header, declared)
        self.reply_text(json.dumps(answer, indent=1, ensure_ascii=False))

    def reply_text(self, text: str) -> None:
        sys.stdout.write(text + "\n\n")
        sys.stdout.flush()


def _line_of(cmd: str, text: str) -> int:
    return next((i for i, line in enumerate(cmd.split("\n"), 1) if text in line), 1)


def _only_imports(cmd: str) -> bool:
    lines = [line for line in cmd.split("\n") if line.strip()]
    return all(IMPORT.match(line) for line in lines)


def _glitch(cmd: str) -> str | None:
    """The error Lean gives at the end of a command that does not end where it should."""
    code = _strip_comments(cmd)
    if "/-" in code:
        return "unterminated comment"
    if re.search(r"\bin\s*$", code):
        return "unexpected end of input; expected command"
    return None


def _strip_comments(text: str) -> str:
    text = re.sub(r"/-.*?-/", "", text, flags=re.DOTALL)
    return re.sub(r"--.*", "", text)


def _message(severity: str, line: int, data: str) -> dict[str, Any]:
    return {
        "severity": severity,
        "pos": {"line": line, "column": 0},
        "endPos": {"line": line, "column": 1},
        "data": data,
    }


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
    FakeRepl().serve()
