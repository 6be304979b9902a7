"""The simulated REPL's loop: blank-line framed requests in, recorded answers out.

Requests are read as the real REPL reads them (a request's lines joined with their ends
trimmed, up to a blank line); answers are pretty JSON followed by a blank line. A command
is answered from the recordings when its text, or header + body for a command run in the
environment of an import header, was recorded; positions are then made relative to the
body, as the real REPL reports them. Imports of the usual roots (Lean, Mathlib, ...) give
an environment, as a real REPL with those packages does.

What no recording shows is modelled on Lean's sources: `#print axioms NAME` (alone, or two
lines below a snippet as leancli's audit sends it) answers
``'NAME' depends on axioms: [...]`` (`Lean/Elab/Print.lean`), with Lean's three standard
axioms for a theorem, `sorryAx` when the snippet uses `sorry`. Anything else answers with
an error saying there is no recording: never a silent pass.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from leancli.simulated import TRANSCRIPTS

KNOWN_MODULES = frozenset({"Mathlib", "Aesop", "Lean", "Init", "Std", "Batteries", "Qq", "Lake"})
STANDARD_AXIOMS = ("propext", "Classical.choice", "Quot.sound")
NO_RECORDING = (
    "simulated REPL: no recording of this command (it answers only commands recorded "
    "from a real Lean REPL, see leancli/simulated/transcripts/README.md)"
)
IMPORT = re.compile(r"^import\s+(\S+)")
ENV_FIELD = re.compile(r'"env":\s*\d+')
AXIOMS_QUERY = re.compile(r"^#print axioms\s+(\S+)\s*$")
# `#print axioms` lines two lines below a snippet, as leancli's audit appends them.
TRAILING_QUERIES = re.compile(r"\n\n(?P<names>(?:#print axioms \S+\n?)+)$")
DECLARATION = re.compile(r"^\s*(?:theorem|lemma|def)\s+(\S+)", re.MULTILINE)

Declared = dict[str, list[str]]


def load_transcripts(root: Path) -> dict[str, str]:
    """cmd text -> the exact answer text the real REPL printed (first one wins)."""
    answers: dict[str, str] = {}
    if not root.is_dir():
        return answers
    for request_file in sorted(root.rglob("*.in")):
        answer_file = request_file.with_name(request_file.name[:-3] + ".expected.out")
        if not answer_file.exists():
            continue
        requests = _frames(request_file.read_text(encoding="utf-8"))
        replies = _frames(answer_file.read_text(encoding="utf-8"))
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


class SimulatedRepl:
    """One simulated REPL process: its environments and what each one declares."""

    def __init__(self, transcripts: Path = TRANSCRIPTS, modules: Iterable[str] = ()) -> None:
        self.answers = load_transcripts(transcripts)
        self.headers: dict[int, str] = {}  # env -> the import header it was built from
        self.declared: dict[int, Declared] = {}  # env -> name -> axioms
        self.next_env = 0
        self.modules = KNOWN_MODULES | set(modules)

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
        self.on_request(request)
        cmd = request.get("cmd")
        if not isinstance(cmd, str):
            self.reply_text(json.dumps({"message": "Unknown request."}))
            return
        env = request.get("env")
        if env is not None and env not in self.headers:
            self.reply_text('{"message": "Unknown environment."}')
            return
        extra = self.extra_messages(cmd)
        if extra is None:
            return
        if env is None and only_imports(cmd):
            self.import_header(cmd)
            return
        header = self.headers.get(env, "") if env is not None else ""
        self.answer_command(cmd, header, env, extra)

    # Hooks for a subclass (the tests' fault-injecting REPL); the defaults do nothing.
    def on_request(self, request: dict[str, Any]) -> None:
        """Called with every request before it is answered."""

    def extra_messages(self, cmd: str) -> list[dict[str, Any]] | None:
        """Messages added to the answer of `cmd`; None when the process must not answer."""
        return []

    def unrecorded_answer(
        self, body: str, extra: list[dict[str, Any]], env: int | None
    ) -> dict[str, Any]:
        """The answer to a command no recording holds: an error that says so."""
        return {"messages": [*extra, message("error", 1, NO_RECORDING)]}

    def declarations(self, cmd: str, env: int | None) -> Declared:
        """What `cmd` declares, added to what its environment holds: name -> axioms."""
        declared = dict(self.declared.get(env, {})) if env is not None else {}
        code = strip_comments(cmd)
        uses = ["sorryAx"] if re.search(r"\bsorry\b", code) else []
        if "native_decide" in code:
            uses.append("Lean.ofReduceBool")
        for name in DECLARATION.findall(cmd):
            declared[name] = [*STANDARD_AXIOMS, *uses]
        return declared

    def import_header(self, cmd: str) -> None:
        missing = [m for m in IMPORT.findall(cmd) if m.split(".")[0] not in self.modules]
        if missing:
            data = (
                f"unknown module prefix '{missing[0]}'\n\nNo directory '{missing[0]}' "
                f"or file '{missing[0]}.olean' in the search path entries"
            )
            self.reply({"messages": [message("error", 1, data, end_column=0)]}, header="")
            return
        self.reply({}, header=cmd.strip())

    def answer_command(
        self, cmd: str, header: str, env: int | None, extra: list[dict[str, Any]]
    ) -> None:
        queries = [AXIOMS_QUERY.match(line) for line in cmd.split("\n")]
        if env is not None and queries and all(queries):
            names = [query.group(1) for query in queries if query]
            answer = axioms_answer(names, self.declared.get(env, {}))
            self.reply(answer, header=header, env=env)
            return
        declared = self.declarations(cmd, env)
        body, prints = split_trailing_prints(cmd)
        whole = f"{header}\n{body}" if header else body
        recorded = self.answers.get(whole)
        if recorded is not None and not extra:
            if not header and not prints:
                # The recorded text as it was printed, only the environment renumbered.
                env_field = f'"env": {self.new_env(header, declared)}'
                self.reply_text(ENV_FIELD.sub(env_field, recorded))
                return
            answer = json.loads(recorded)
            answer.pop("env", None)
            if header:
                shift_lines(answer, -(header.count("\n") + 1))
        else:
            answer = self.unrecorded_answer(body, extra, env)
        if prints and swallowing_end(body) is None:
            audit = axioms_answer([name for _, name in prints], declared)
            for (line, _), entry in zip(prints, audit["messages"], strict=True):
                entry["pos"]["line"] = entry["endPos"]["line"] = line
            answer["messages"] = answer.get("messages", []) + audit["messages"]
        self.reply(answer, header=header, declared=declared)

    def new_env(self, header: str, declared: Declared | None = None) -> int:
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
        declared: Declared | None = None,
    ) -> None:
        if declared is None and env is not None:
            declared = self.declared.get(env)
        answer["env"] = self.new_env(header, declared)
        self.reply_text(json.dumps(answer, indent=1, ensure_ascii=False))

    def reply_text(self, text: str) -> None:
        sys.stdout.write(text + "\n\n")
        sys.stdout.flush()


def split_trailing_prints(cmd: str) -> tuple[str, list[tuple[int, str]]]:
    """The body above appended `#print axioms` lines, and (line, name) of each of them."""
    trailing = TRAILING_QUERIES.search(cmd)
    if trailing is None:
        return cmd, []
    body = cmd[: trailing.start()]
    first = body.count("\n") + 3
    lines = trailing["names"].splitlines()
    return body, [(first + i, query.split()[-1]) for i, query in enumerate(lines)]


def axioms_answer(names: list[str], declared: Declared) -> dict[str, Any]:
    """Lean's answers to `#print axioms NAME`, one per line from line 1."""
    messages = []
    for line, name in enumerate(names, start=1):
        axioms = declared.get(name)
        if axioms is None:
            messages.append(message("error", line, f"unknown constant '{name}'"))
        elif not axioms:
            messages.append(message("info", line, f"'{name}' does not depend on any axioms"))
        else:
            text = f"'{name}' depends on axioms: [{', '.join(axioms)}]"
            messages.append(message("info", line, text))
    return {"messages": messages}


def swallowing_end(cmd: str) -> str | None:
    """Lean's error when a command does not end where it should, so it swallows what follows.

    An unterminated comment runs to the end of the input, and a trailing `in` takes the
    next command as its own; Lean reports both at the end of the input.
    """
    code = strip_comments(cmd)
    if "/-" in code:
        return "unterminated comment"
    if re.search(r"\bin\s*$", code):
        return "unexpected end of input; expected command"
    return None


def shift_lines(answer: dict[str, Any], delta: int) -> None:
    for entry in answer.get("messages", []) + answer.get("sorries", []):
        for key in ("pos", "endPos"):
            if isinstance(entry.get(key), dict):
                entry[key]["line"] += delta


def only_imports(cmd: str) -> bool:
    lines = [line for line in cmd.split("\n") if line.strip()]
    return all(IMPORT.match(line) for line in lines)


def strip_comments(text: str) -> str:
    text = re.sub(r"/-.*?-/", "", text, flags=re.DOTALL)
    return re.sub(r"--.*", "", text)


def message(severity: str, line: int, data: str, *, end_column: int = 1) -> dict[str, Any]:
    return {
        "severity": severity,
        "pos": {"line": line, "column": 0},
        "endPos": {"line": line, "column": end_column},
        "data": data,
    }
