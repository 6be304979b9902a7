"""The simulated REPL's loop: blank-line framed requests in, recorded answers out.

Requests are read as the real REPL reads them (a request's lines joined with their ends
trimmed, up to a blank line); answers are pretty JSON followed by a blank line. A command
is answered from the recordings when its text, or header + body for a command run in the
environment of an import header, was recorded; positions are then made relative to the
body, as the real REPL reports them. Imports of the usual roots (Lean, Mathlib, ...) give
an environment, as a real REPL with those packages does.

What no recording shows is modelled on Lean's sources (see `printing.py`): the audit's
commands, alone or two lines below a snippet as leancli sends them (`set_option
pp.fullNames true`, `#print axioms NAME`, `set_option pp.raw true in #check @_root_.NAME`), with
Lean's three standard axioms for a declaration, `sorryAx` when the snippet uses `sorry`,
`Lean.ofReduceBool` for `native_decide`. Anything else gets a REPL error (not a Lean
message) saying there is no recording: never a pass, nor a `fail` made up for Lean.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from leancli.simulated import TRANSCRIPTS
from leancli.simulated.examples import AUX_EXAMPLE, shift_columns, unname_examples
from leancli.simulated.printing import (
    PRIVATE_PREFIX,
    axioms_text,
    escaped,
    parts,
    raw_binders,
    raw_type,
)

KNOWN_MODULES = frozenset({"Mathlib", "Aesop", "Lean", "Init", "Std", "Batteries", "Qq", "Lake"})
STANDARD_AXIOMS = ("propext", "Classical.choice", "Quot.sound")
NO_RECORDING = (
    "simulated REPL: no recording of this command (it answers only commands recorded "
    "from a real Lean REPL, see leancli/simulated/transcripts/README.md)"
)
PICKLE_FORMAT = "leancli-simulated-pickle"  # the key that marks a simulated pickle
# A header command, one a line as leancli sends a header: `module`, `prelude`, or an
# import with the module system's modifiers (Lean/Parser/Module.lean, leanprover/lean4).
HEADER_COMMAND = re.compile(
    r"^[ \t]*(?:module|prelude|(?:public\s+)?(?:meta\s+)?import\s+(?:all\s+)?(?P<module>\S+))"
    r"[ \t]*$"
)
ENV_FIELD = re.compile(r'"env":\s*\d+')
# `[ \t]*`, not `\s*`, after `^`: over a text of blank lines (a long comment stripped),
# `\s*` at every line start would scan all the rest.
# The audit's commands, one per line, as leancli appends them.
CHECK_PREFIX = "set_option pp.raw true in #check @"
TAIL_LINE = re.compile(
    r"^(?:set_option pp\.fullNames true|#print axioms (?P<print>.+)"
    r"|set_option pp\.raw true in #check @(?P<check>.+))$"
)
# Lean's `declModifiers` (Lean/Parser/Command.lean) may precede the keyword on its line:
# attributes (`@[simp]`, one level of brackets inside), then the visibility and the rest;
# an instance may be `scoped` or `local` (its `attrKind`) and its name follows its
# `(priority := ...)`.
DECLARATION = re.compile(
    r"^[ \t]*(?:@\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\][ \t]*)*"
    r"(?P<private>private\s+)?(?:protected\s+|noncomputable\s+|unsafe\s+|partial\s+|nonrec\s+)*"
    r"(?:theorem|lemma|def|abbrev|opaque|(?:(?:scoped|local)\s+)?instance)\s+"
    r"(?:\(\s*priority\s*:=[^()\n]*\)\s*)?"
    r"(?P<name>«[^»]*»|[^\s:(\[{]+)(?P<sig>[^\n]*)",
    re.MULTILINE,
)
SCOPE = re.compile(r"^[ \t]*(?P<kind>namespace|end|open)\b(?P<rest>[^\n]*)", re.MULTILINE)
VARIABLE = re.compile(r"^[ \t]*variable\s+(?P<binders>[^\n]*)", re.M)
NOTATION = re.compile(
    r'^[ \t]*(?:local\s+)?(?:notation|infix[lr]?)(?::\d+)?\s+"([^"]+)"\s*=>\s*(.+)$', re.M
)

SORRY_USE = re.compile(r"\b(?:sorry|admit|sorryAx)\b")

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
        self.types: dict[int, dict[str, str]] = {}  # env -> name -> its type, printed
        self.opens: dict[int, list[str]] = {}  # env -> the namespaces open in it
        self.sources: dict[int, str] = {}  # env -> the commands that made it, after imports
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
        if "pickleTo" in request:
            self.pickle(request)
            return
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
        made = self.next_env
        self.answer_command(cmd, header, env, extra)
        if self.next_env > made:  # an environment made of `cmd` on top of `env`'s
            self.sources[made] = f"{self.sources.get(env, '') if env is not None else ''}\n{cmd}"

    def pickle(self, request: dict[str, Any]) -> None:
        """`{"pickleTo": PATH, "env": N}`: the environment's imports and commands as a
        simulated pickle (simulated/checker.py reads it), answered with the same env, as
        the REPL does (REPL/Main.lean). The real REPL dies on a write that fails."""
        env = request.get("env")
        if env not in self.headers:
            self.reply_text('{"message": "Unknown environment."}')
            return
        path = Path(str(request["pickleTo"]))
        pickled = {
            PICKLE_FORMAT: 1,
            "imports": self.headers[env],
            "commands": self.sources.get(env, ""),
        }
        try:
            path.write_text(json.dumps(pickled), encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"uncaught exception: failed to write '{path}': {exc}\n")
            sys.exit(1)
        self.reply_text(json.dumps({"env": env}))

    # Hooks for a subclass (the tests' fault-injecting REPL); the defaults do nothing.
    def on_request(self, request: dict[str, Any]) -> None:
        """Called with every request before it is answered."""

    def extra_messages(self, cmd: str) -> list[dict[str, Any]] | None:
        """Messages added to the answer of `cmd`; None when the process must not answer."""
        return []

    def unrecorded_answer(
        self, body: str, extra: list[dict[str, Any]], env: int | None
    ) -> dict[str, Any] | None:
        """The answer to a command no recording holds; None: the REPL error that says
        there is none (leancli reports it as `crash`, never as Lean's `fail`)."""
        return None

    def declarations(self, cmd: str, env: int | None) -> Declared:
        """What `cmd` declares, added to what its environment holds: name -> axioms."""
        declared = dict(self.declared.get(env, {})) if env is not None else {}
        code = strip_comments(cmd)
        # `admit` is the `sorry` tactic; `sorryAx` is what both elaborate to.
        uses = ["sorryAx"] if SORRY_USE.search(code) else []
        if "native_decide" in code:
            uses.append("Lean.ofReduceBool")
        for name in scan(cmd)[0]:
            declared[name] = [*STANDARD_AXIOMS, *uses]
        return declared

    def import_header(self, cmd: str) -> None:
        imported = [
            m.group("module") for line in cmd.split("\n") if (m := HEADER_COMMAND.match(line))
        ]
        missing = [m for m in imported if m and m.split(".")[0] not in self.modules]
        if missing:
            data = (
                f"unknown module prefix '{missing[0]}'\n\nNo directory '{missing[0]}' "
                f"or file '{missing[0]}.olean' in the search path entries"
            )
            self.reply({"messages": [message("error", 1, data, end_column=0)]}, header="")
            return
        self.reply({}, header=cmd.strip())

    # Lean versions differ: recent ones report a `#print` at its token, older ones over
    # the whole command (same line either way).
    report_at_command_start = False

    def answer_command(
        self, cmd: str, header: str, env: int | None, extra: list[dict[str, Any]]
    ) -> None:
        body, tail = split_tail(cmd)
        parent = env if env is not None else -1
        if env is not None and not body.strip() and tail:
            answer = self.tail_answer(tail, self.declared.get(env, {}), parent, {})
            self.reply(answer, header=header, env=env)
            return
        declared = self.declarations(body, env)
        _, types, opens = scan(body)
        types = {**self.types.get(parent, {}), **types}
        whole = f"{header}\n{body}" if header else body
        recorded = self.answers.get(whole)
        spots: list[tuple[int, int, int]] = []
        if recorded is None and AUX_EXAMPLE.search(body):
            # leancli named the examples: Lean elaborates `def NAME` as it did `example`.
            original, spots = unname_examples(body)
            recorded = self.answers.get(f"{header}\n{original}" if header else original)
        if recorded is not None and not extra:
            if not header and not tail and not spots:
                # The recorded text as it was printed, only the environment renumbered.
                env_field = f'"env": {self.new_env(header, declared, types, opens)}'
                self.reply_text(ENV_FIELD.sub(env_field, recorded))
                return
            answer = json.loads(recorded)
            answer.pop("env", None)
            if header:
                shift_lines(answer, -(header.count("\n") + 1))
            shift_columns(answer, spots)
        else:
            unrecorded = self.unrecorded_answer(body, extra, env)
            if unrecorded is None:
                # A REPL error, not a Lean message: no verdict of Lean's is made up.
                self.reply_text(json.dumps({"message": NO_RECORDING}))
                return
            answer = unrecorded
        if tail and swallowing_end(body) is None:
            audit = self.tail_answer(tail, declared, parent, types, opens)
            answer["messages"] = answer.get("messages", []) + audit["messages"]
        self.reply(answer, header=header, declared=declared, types=types, opens=opens)

    def tail_answer(
        self,
        tail: list[tuple[int, str, str]],
        declared: Declared,
        env: int,
        types: dict[str, str],
        opens: list[str] | None = None,
    ) -> dict[str, Any]:
        """Lean's answers to the audit's commands: (line, kind, name) each."""
        opens = [*self.opens.get(env, []), *(opens or [])]
        types = {**self.types.get(env, {}), **types}
        full_names, messages = False, []
        for line, kind, query in tail:
            if kind == "full_names":
                full_names = True
                continue
            name = resolve(query, declared if kind == "print" else types)
            variable = f"variable {query}"
            if kind == "check" and variable in types:
                # `#check @x` elaborates a term: a section variable `x` comes first.
                name, text = variable, f"{query} : {types[variable]}"
            if name is None:
                messages.append(message("error", line, f"unknown constant '{query}'"))
                continue
            command = f"#print axioms {query}" if kind == "print" else CHECK_PREFIX + query
            token = 0 if kind == "print" else command.index("#check")
            if kind == "print":
                text = axioms_text(name, declared[name], opens, full_names)
            elif name != variable:
                text = f"{escaped(parts(name.removeprefix(PRIVATE_PREFIX)))} : {types[name]}"
            if self.report_at_command_start:
                at, end = 0, len(command)
            else:
                at, end = token, token + len(command.split()[0 if kind == "print" else 4])
            entry = message("info", line, text, end_column=end)
            entry["pos"]["column"] = at
            messages.append(entry)
        return {"messages": messages}

    def new_env(
        self,
        header: str,
        declared: Declared | None = None,
        types: dict[str, str] | None = None,
        opens: list[str] | None = None,
    ) -> int:
        env = self.next_env
        self.next_env += 1
        self.headers[env] = header
        self.declared[env] = declared or {}
        self.types[env] = types or {}
        self.opens[env] = opens or []
        return env

    def reply(
        self,
        answer: dict[str, Any],
        *,
        header: str,
        env: int | None = None,
        declared: Declared | None = None,
        types: dict[str, str] | None = None,
        opens: list[str] | None = None,
    ) -> None:
        if declared is None and env is not None:
            declared = self.declared.get(env)
            types, opens = self.types.get(env), self.opens.get(env)
        answer["env"] = self.new_env(header, declared, types, opens)
        self.reply_text(json.dumps(answer, indent=1, ensure_ascii=False))

    def reply_text(self, text: str) -> None:
        sys.stdout.write(text + "\n\n")
        sys.stdout.flush()


def split_tail(cmd: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The body above the audit's appended commands (below a blank line), and (line,
    kind, name) of each of them; a command of nothing but them has an empty body."""
    lines = cmd.split("\n")
    start = len(lines)
    while start > 0 and TAIL_LINE.match(lines[start - 1]):
        start -= 1
    if start == len(lines) or (start > 0 and lines[start - 1].strip()):
        return cmd, []
    tail = []
    for number in range(start, len(lines)):
        match = TAIL_LINE.match(lines[number])
        assert match is not None
        kind = "print" if match["print"] else "check" if match["check"] else "full_names"
        tail.append((number + 1, kind, match["print"] or match["check"] or ""))
    return "\n".join(lines[: max(start - 1, 0)]), tail


def scan(cmd: str) -> tuple[list[str], dict[str, str], list[str]]:
    """The full names `cmd` declares (private ones mangled), each one's type as `#check`
    prints it, and the namespaces it opens. Notation declared before a declaration is
    unfolded in its type: the same text can mean something else (SafeVerify's point)."""
    names: list[str] = []
    types: dict[str, str] = {}
    opens: list[str] = []
    namespaces: list[str] = []
    notations: dict[str, str] = {}
    code = strip_comments(cmd)
    events = sorted(
        [(m.start(), "decl", m) for m in DECLARATION.finditer(code)]
        + [(m.start(), "scope", m) for m in SCOPE.finditer(code)]
        + [(m.start(), "notation", m) for m in NOTATION.finditer(code)]
        + [(m.start(), "variable", m) for m in VARIABLE.finditer(code)],
        key=lambda event: event[0],
    )
    for _, kind, match in events:
        if kind == "notation":
            notations[match[1].strip()] = match[2].strip()
        elif kind == "variable":
            for binder in raw_binders(match["binders"]):
                types[f"variable {binder.name}"] = binder.type
        elif kind == "scope":
            words = match["rest"].split()
            if match["kind"] == "namespace" and words:
                namespaces.extend(parts(words[0]))
            elif match["kind"] == "end" and words and namespaces:
                del namespaces[-len(parts(words[0])) :]
            elif match["kind"] == "open":
                opens.extend(word for word in words if word != "in")
        else:
            components = [*namespaces, *parts(match["name"])]
            if components[len(namespaces)] == "_root_":
                components = components[len(namespaces) + 1 :]
            name = escaped(components)
            if match["private"]:
                name = PRIVATE_PREFIX + name
            names.append(name)
            types[name] = raw_type(code[match.start("sig") :], notations)
    return names, types, opens


def resolve(query: str, known: dict[str, Any]) -> str | None:
    """The declared name `#print axioms QUERY` or `#check @QUERY` refers to."""
    canonical = escaped(parts(query.removeprefix("_root_.")))
    for name in (canonical, PRIVATE_PREFIX + canonical):
        if name in known:
            return name
    return None


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
    return all(HEADER_COMMAND.match(line) for line in lines)


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
