"""A worker: owns one REPL session, imports each header once, checks snippet bodies.

The same class runs inside a local pool process and inside a Ray actor.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from leancli.inputs.snippet import split_snippet
from leancli.options import WorkerConfig
from leancli.records import Outcome, Status, Task
from leancli.repl.cost import CostMeter
from leancli.repl.kernel import KernelReplay, as_replayed
from leancli.repl.protocol import Answer, CommandAnswer, ErrorAnswer, command_request
from leancli.repl.session import (
    ReplAborted,
    ReplCrash,
    ReplExited,
    ReplFailure,
    ReplOutOfMemory,
    ReplSession,
    ReplTimeout,
)
from leancli.repl.standby import Standby
from leancli.verdict.axioms import (
    audit_tail,
    inline_audit_command,
    read_axioms_answer,
    split_inline_audit,
)
from leancli.verdict.decide import Evidence, classify, decide, first_error, shift_positions
from leancli.verdict.examples import NamedExamples, name_examples, restore_positions
from leancli.verdict.guards import guard_refusals
from leancli.verdict.lexer import lemma_is_keyword
from leancli.verdict.refusals import (
    closed_statement,
    refusal,
    statement_name,
    statement_precheck,
)

RECYCLE_AT_FRACTION = 0.8


@dataclass(frozen=True)
class _HeaderFailure:
    messages: list[dict[str, Any]]
    error: str


class Worker:
    """Checks tasks one at a time; restarts its REPL after any failure."""

    def __init__(
        self,
        config: WorkerConfig,
        should_abort: Callable[[], bool] | None = None,
        on_repl_start: Callable[[int], None] | None = None,
    ) -> None:
        self.config = config
        self._should_abort = should_abort
        self._on_repl_start = on_repl_start
        self._kernel = (
            KernelReplay(config.kernel, config.memory, dict(config.environment), config.pass_env)
            if config.kernel is not None
            else None
        )
        self._checked = "audit" if config.audit.enabled else "lean"  # trust, unless replayed
        self._snippet_env: int | None = None  # the environment the last snippet made
        self._undelivered = False  # a request of this task never reached the REPL
        self._session = self._new_session()
        self._envs: OrderedDict[str, int] = OrderedDict()
        self._failed_headers: dict[str, _HeaderFailure] = {}
        self._references: dict[tuple[str, str], str | Outcome] = {}
        self._standby = Standby(self._warm) if config.standby else None
        self.standby_swaps = 0
        self._meter = CostMeter()

    @property
    def headers(self) -> frozenset[str]:
        return frozenset(self._envs)

    @property
    def repl_pid(self) -> int | None:
        return self._session.pid

    def start(self) -> None:
        """Start the REPL now, so that its start-up overlaps with waiting for work."""
        with contextlib.suppress(ReplFailure):  # the first task reports it
            self._session.start()

    def run(self, task: Task) -> Outcome:
        """Refuse, send, decide, and with `--trust kernel` replay a pass: what is refused
        never reaches Lean, the verdict is `decide`'s from what the REPL answered, and only
        the kernel checker can take a pass back. The outcome carries what checking it cost
        (cost.py)."""
        mark = self._meter.begin(self._session)
        started = time.monotonic()
        self._undelivered = False
        outcome = self._check(task, started)
        if self._undelivered:
            # The REPL closed its input before it was sent a request of this task (after
            # answering the one before, say): the task was never checked. Once more, on a
            # fresh REPL, as a task whose worker died is.
            self._undelivered = False
            outcome = self._check(task, time.monotonic())
        outcome = replace(outcome, trust=self._checked)
        if outcome.status is Status.PASS and self._kernel is not None:
            outcome = self._replay(task, outcome, started)
        outcome = self._meter.finish(self._session, mark, outcome)
        self._recycle_if_near_memory_limit()
        return outcome

    def _check(self, task: Task, started: float) -> Outcome:
        self._snippet_env = None
        refused = self._refusal(task)
        if refused is not None:
            return Outcome(Status.FAIL, 0.0, error=refused)
        expected: str | None = None
        if task.statement is not None:
            reference = self._reference_type(task, started)
            if isinstance(reference, Outcome):
                return reference
            expected = reference
        try:
            env = self._env_for(task.header)
        except _HeaderError as exc:
            # The header's messages are at its own lines: moved to the input's.
            messages = shift_positions(exc.outcome.messages, task.header_offset)
            return replace(exc.outcome, messages=messages, time=time.monotonic() - started)
        evidence = self._gather(task, env, started)
        if isinstance(evidence, Outcome):
            return evidence
        evidence = replace(evidence, expected_type=expected)
        return decide(evidence, self.config.audit, time.monotonic() - started)

    def _replay(self, task: Task, outcome: Outcome, started: float) -> Outcome:
        """The pass made into a module and replayed by the kernel checker, on this
        worker's slot: a pass stays one only if the checker accepts it."""
        assert self._kernel is not None
        module = self._kernel.new_module()
        try:
            problem = self._make_module(task, module)
            if problem is None:
                problem = self._kernel.replay(module)
        finally:
            self._kernel.forget(module)
        return as_replayed(outcome, problem, time.monotonic() - started)

    def _make_module(self, task: Task, module: str) -> Outcome | None:
        """The module of the snippet's environment: the REPL's pickle of it, or Lean's
        own compilation of its text; None when made."""
        kernel = self._kernel
        assert kernel is not None
        if not kernel.from_pickle:
            heartbeats = self.config.lean.heartbeats
            options = f"set_option maxHeartbeats {heartbeats}\n" if heartbeats is not None else ""
            return kernel.compile(module, f"{task.header}\n{options}{task.body}")
        assert self._snippet_env is not None
        request = {"pickleTo": str(kernel.olean(module)), "env": self._snippet_env}
        try:
            answer = self._exchange(
                self._session, request, kernel.options.timeout, answering_env=self._snippet_env
            )
        except ReplFailure as exc:
            failed = _outcome_of_failure(exc, 0.0)
            return replace(failed, error=f"kernel replay: pickling the environment: {exc}")
        if isinstance(answer, ErrorAnswer):
            error = f"kernel replay: the REPL did not pickle the environment: {answer.message}"
            return Outcome(Status.CRASH, error=error)
        return None

    def _refusal(self, task: Task) -> str | None:
        # A `#guard_msgs` hiding errors makes Lean's own answer lie: refused, audit or not.
        hidden = guard_refusals(task.body, task.offset)
        audit = self.config.audit
        refused = refusal(task.body, audit, task.offset) if audit.enabled else None
        if hidden:
            return "; ".join([refused or "refused: " + hidden.pop(0), *hidden])
        if refused is not None:
            return refused
        name = statement_name(task.statement) if task.statement is not None else None
        if task.statement is not None and name is None:
            return "statement changed: the statement declares no theorem"
        return statement_precheck(task.body, name) if name is not None else None

    def _reference_type(self, task: Task, started: float) -> str | Outcome:
        """The statement's type as Lean elaborates it under the task's preamble (else its
        imports) in the import environment: once per (preamble, statement)."""
        assert task.statement is not None
        preamble = task.preamble if task.preamble is not None else task.header
        key = (preamble, task.statement)
        known = self._references.get(key)
        if known is not None:
            return known
        name = statement_name(task.statement)
        assert name is not None  # `_refusal` refused a statement without one
        reference = split_snippet(f"{preamble}\n{closed_statement(task.statement)}")
        try:
            env = self._env_for(reference.header)
        except _HeaderError as exc:
            why = f"statement: {exc.outcome.error}"
            return replace(exc.outcome, time=time.monotonic() - started, error=why)
        _, command = inline_audit_command(reference.body, name, axioms=False)
        assert command is not None  # it ends in `sorry`, never in `in`
        answer = self._elaborate(command, env, started)
        if isinstance(answer, Outcome):
            return answer
        split = split_inline_audit(reference.body, [], answer.messages, [], name)
        error = first_error(split[0] if split else answer.messages)
        found: str | Outcome
        if split is None or split[1].checked is None or error is not None:
            detail = error or "no answer to #check"
            found = Outcome(Status.FAIL, 0.0, error=f"statement does not elaborate: {detail}")
        else:
            found = split[1].checked
        self._references[key] = found
        return found

    def _gather(self, task: Task, env: int, started: float) -> Evidence | Outcome:
        """Everything the REPL says about `task` (its messages, then the answers to the
        audit's commands), or the outcome of a failure of the REPL itself."""
        audit = self.config.audit.enabled
        check = statement_name(task.statement) if task.statement is not None else None
        # Examples become named defs, so that their axioms can be printed too.
        named = name_examples(task.body) if audit else NamedExamples(task.body)
        body = named.text
        # The audit rides along with the check: one request instead of two.
        lemma = lemma_is_keyword(task.header)
        names, command = inline_audit_command(body, check, axioms=audit, lemma=lemma)
        answer = self._elaborate(command or body, env, started)
        if isinstance(answer, Outcome):
            return answer
        messages, tail = answer.messages, None
        if command is not None:
            split = split_inline_audit(body, names, answer.messages, answer.sorries, check)
            if split is None:
                answer = self._elaborate(body, env, started)
                if isinstance(answer, Outcome):
                    return answer
                messages = answer.messages
            else:
                messages, tail = split
        sorries = restore_positions(answer.sorries, named)
        evidence = Evidence(restore_positions(messages, named), sorries, task.offset)
        self._snippet_env = answer.env
        if tail is not None:
            evidence = replace(evidence, axioms=tail.axioms, checked_type=tail.checked)
        elif (audit or check) and classify(messages, answer.sorries) is Status.PASS:
            evidence = self._run_tail(names, check, answer.env, evidence)
        if evidence.axioms is None:
            return evidence
        return replace(evidence, axioms=named.labelled(evidence.axioms, task.offset))

    def _elaborate(self, text: str, env: int, started: float) -> CommandAnswer | Outcome:
        """The REPL's answer to `text` in `env`, or the outcome of its failure."""
        try:
            request = command_request(text, env)
            if self.config.lean.incremental:
                request["incrementality"] = True
            answer = self._send(request, self.config.timeout)
        except ReplFailure as exc:
            return _outcome_of_failure(exc, time.monotonic() - started)
        if isinstance(answer, ErrorAnswer):
            self._restart()
            elapsed = time.monotonic() - started
            return Outcome(Status.CRASH, elapsed, error=f"REPL error: {answer.message}")
        return answer

    def _recycle_if_near_memory_limit(self) -> None:
        """A REPL keeps every environment it made, so it grows snippet by snippet; it is
        replaced between snippets near the limit, not by failing an innocent one."""
        limit = self.config.memory.rss_mb * 2**20
        if limit and self._session.anon_rss > RECYCLE_AT_FRACTION * limit:
            self._restart()

    def _run_tail(
        self, names: list[str], check: str | None, env: int, evidence: Evidence
    ) -> Evidence:
        """`evidence` with the axioms of `names` and the type of `check`, printed by a
        request of its own in the snippet's environment, or with why they could not be."""
        if not names and check is None:
            return replace(evidence, axioms={})
        request = command_request(audit_tail(names, check), env)
        try:
            answer = self._send(request, self.config.timeout)
        except ReplFailure as exc:
            failed = _outcome_of_failure(exc, 0.0)
            return replace(evidence, audit_failure=(failed.status, f"axiom audit: {failed.error}"))
        if isinstance(answer, ErrorAnswer):
            return replace(evidence, audit_failure=(Status.FAIL, f"axiom audit: {answer.message}"))
        read, problem = read_axioms_answer(names, answer.messages, check)
        evidence = replace(evidence, axioms=read.axioms, checked_type=read.checked)
        return (
            evidence if problem is None else replace(evidence, audit_failure=(Status.FAIL, problem))
        )

    def close(self) -> None:
        if self._standby is not None:
            self._standby.close()
        self._session.close()
        self._envs.clear()
        if self._kernel is not None:
            self._kernel.close()

    def _new_session(self) -> ReplSession:
        config = self.config
        # The REPL writes its pickles into the module directory (under the sandbox too).
        repl = self._kernel.in_module_dir(config.repl) if self._kernel is not None else config.repl
        return ReplSession(
            repl,
            config.memory,
            dict(config.environment),
            on_start=self._on_repl_start,
            pass_env=config.pass_env,
        )

    def _env_for(self, header: str) -> int:
        env = self._loaded_env(header)
        if self._standby is not None:
            self._standby.ensure(list(self._envs))
        return env

    def _loaded_env(self, header: str) -> int:
        if self._envs and not self._session.alive:
            # The REPL died between snippets (the OOM killer, a kill from outside): its
            # environments went with it, and the next request starts a fresh one.
            self._envs.clear()
        if header in self._envs:
            self._envs.move_to_end(header)
            return self._envs[header]
        if not self._envs and self._standby is not None:
            self._take_standby(header)
            if header in self._envs:
                return self._envs[header]
        failed = self._failed_headers.get(header)
        if failed is not None:
            raise _HeaderError(Outcome(Status.FAIL, 0.0, failed.messages, error=failed.error))
        if len(self._envs) >= self.config.max_headers:
            # The REPL cannot forget an environment: a fresh REPL is the only way to
            # bound the memory held by many headers.
            self._restart()
        env = self._import(header, self._session)
        self._envs[header] = env
        return env

    def _warm(self, headers: list[str]) -> tuple[ReplSession, dict[str, int]]:
        """Runs in the standby thread: a fresh REPL with `headers` imported."""
        assert self._standby is not None
        session = self._standby.warming = self._new_session()
        envs: dict[str, int] = {}
        for header in headers:
            try:
                envs[header] = self._import(header, session)
            except _HeaderError:
                break
        return session, envs

    def _import(self, header: str, session: ReplSession) -> int:
        try:
            answer = self._exchange(session, command_request(header), self.config.import_timeout)
        except ReplTimeout as exc:
            outcome = replace(
                _outcome_of_failure(exc, 0.0), error=f"header import: {exc}", header_timed_out=True
            )
            raise _HeaderError(outcome) from exc
        except ReplExited as exc:
            raise _HeaderError(self._died_importing(header, exc)) from exc
        except ReplFailure as exc:
            outcome = _outcome_of_failure(exc, 0.0)
            outcome = replace(outcome, error=f"header import: {outcome.error}")
            raise _HeaderError(outcome) from exc
        if isinstance(answer, ErrorAnswer):
            self._fail_header(header, [], f"header failed to import: {answer.message}")
        assert isinstance(answer, CommandAnswer)
        if classify(answer.messages, []) is Status.FAIL:
            error = first_error(answer.messages) or "error"
            self._fail_header(header, answer.messages, f"header failed to import: {error}")
        return self._apply_lean_options(answer.env, session)

    def _died_importing(self, header: str, exc: ReplExited) -> Outcome:
        """Under RLIMIT_AS, out of address space: imports map all their .olean files.

        Only a death that looks like a failed mapping counts (a fatal signal, or stderr
        speaking of memory or mapping); a REPL that exits with an ordinary error (a
        missing script, `false`) or has nothing to import crashed.
        """
        hard = self.config.memory.hard_limit_bytes()
        if hard is None or not header.strip() or not _looks_out_of_address_space(exc):
            return Outcome(Status.CRASH, 0.0, error=f"header import: {exc}")
        error = (
            f"header import: the REPL died under --hard-memory-limit (RLIMIT_AS {hard // 2**20}"
            f" MiB), which the imports' mapped .olean files count toward; raise it ({exc})"
        )
        return Outcome(Status.MEMORY, 0.0, error=error)

    def _apply_lean_options(self, env: int, session: ReplSession) -> int:
        # Set once in the header's environment, which every body of that header extends.
        lean = self.config.lean
        lines = []
        if lean.heartbeats is not None:
            lines.append(f"set_option maxHeartbeats {lean.heartbeats}")
        if lean.elab_async is not None:
            lines.append(f"set_option Elab.async {str(lean.elab_async).lower()}")
        if not lines:
            return env
        try:
            request = command_request("\n".join(lines), env)
            answer = self._exchange(session, request, self.config.timeout)
        except ReplFailure as exc:
            raise _HeaderError(_outcome_of_failure(exc, 0.0)) from exc
        if isinstance(answer, ErrorAnswer) or classify(answer.messages, []) is Status.FAIL:
            raise _HeaderError(
                Outcome(Status.CRASH, 0.0, error=f"REPL refused the Lean options: {answer}")
            )
        return answer.env

    def _fail_header(self, header: str, messages: list[dict[str, Any]], error: str) -> NoReturn:
        self._failed_headers[header] = _HeaderFailure(messages, error)
        raise _HeaderError(Outcome(Status.FAIL, 0.0, messages, error=error))

    def _send(self, request: dict[str, Any], timeout: float) -> Answer:
        return self._exchange(self._session, request, timeout)

    def _exchange(
        self,
        session: ReplSession,
        request: dict[str, Any],
        timeout: float,
        answering_env: int | None = None,
    ) -> Answer:
        try:
            return session.send(request, timeout, self._should_abort, answering_env)
        except ReplFailure as exc:
            if session is self._session:
                self._envs.clear()  # the session restarts empty on its next request
                self._undelivered |= not exc.delivered
            raise

    def _take_standby(self, header: str) -> None:
        """Swap in the spare REPL if it holds `header`, waiting for it if it is still
        importing: it started earlier, so it is ready sooner than a fresh import."""
        assert self._standby is not None
        taken = self._standby.take(header)
        if taken is not None:
            self._session.close()
            self._meter.retire(self._session)
            self._session, envs = taken
            self._envs.update(envs)
            self.standby_swaps += 1

    def _restart(self) -> None:
        self._session.close()
        self._envs.clear()


class _HeaderError(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.error)
        self.outcome = outcome


_FATAL_SIGNALS = frozenset({-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT, -signal.SIGKILL})


def _looks_out_of_address_space(exc: ReplExited) -> bool:
    said = exc.stderr.lower()
    return exc.code in _FATAL_SIGNALS or any(
        word in said for word in (b"memory", b"mmap", b"map file", b"bad_alloc")
    )


def _outcome_of_failure(exc: ReplFailure, elapsed: float) -> Outcome:
    """The snippet's outcome when its REPL failed; ReplAborted (the caller is stopping) is
    no outcome and propagates."""
    if isinstance(exc, ReplTimeout):
        return Outcome(Status.TIMEOUT, elapsed, error=str(exc))
    if isinstance(exc, ReplOutOfMemory):
        return Outcome(Status.MEMORY, elapsed, error=str(exc))
    if isinstance(exc, ReplAborted):
        raise exc
    assert isinstance(exc, ReplCrash)
    return Outcome(Status.CRASH, elapsed, error=str(exc))
