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
from typing import TYPE_CHECKING, Any

from leancli.audit import (
    ALLOWED_AXIOMS,
    find_cheats,
    inline_audit_command,
    judge_axioms,
    parse_axioms_message,
    split_inline_audit,
)
from leancli.options import WorkerConfig
from leancli.protocol import Answer, CommandAnswer, ErrorAnswer, command_request
from leancli.records import Outcome, Status, Task
from leancli.session import (
    ReplAborted,
    ReplCrash,
    ReplExited,
    ReplFailure,
    ReplOutOfMemory,
    ReplSession,
    ReplTimeout,
    kill_process_group,
)
from leancli.verdict import classify, first_error, shift_positions

if TYPE_CHECKING:
    from concurrent.futures import Future

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
        self._session = self._new_session()
        self._envs: OrderedDict[str, int] = OrderedDict()
        self._failed_headers: dict[str, _HeaderFailure] = {}
        self._standby = _Standby(self._warm) if config.standby else None
        self.standby_swaps = 0

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
        started = time.monotonic()
        names: list[str] = []
        command = None
        if self.config.audit.enabled:
            cheats = find_cheats(task.body)
            if cheats:
                return Outcome(Status.FAIL, 0.0, error="refused: " + "; ".join(cheats))
            # The audit rides along with the check: one request instead of two.
            names, command = inline_audit_command(task.body)
        try:
            env = self._env_for(task.header)
        except _HeaderError as exc:
            return replace(exc.outcome, time=time.monotonic() - started)
        answer = self._elaborate(command or task.body, env, started)
        if isinstance(answer, Outcome):
            return answer
        messages, found = answer.messages, None
        if command is not None:
            split = split_inline_audit(task.body, names, answer.messages, answer.sorries)
            if split is None:
                answer = self._elaborate(task.body, env, started)
                if isinstance(answer, Outcome):
                    return answer
                messages = answer.messages
            else:
                messages, found = split
        messages = shift_positions(messages, task.offset)
        sorries = shift_positions(answer.sorries, task.offset)
        status = classify(messages, sorries)
        error = first_error(messages) if status is Status.FAIL else None
        outcome = Outcome(status, time.monotonic() - started, messages, sorries, error)
        if status is Status.PASS and self.config.audit.enabled:
            if found is None:
                found, outcome = self._print_axioms(names, answer.env, outcome)
            judged = self._judge_axioms(found) if found is not None else {}
            outcome = replace(outcome, time=time.monotonic() - started, **judged)
        self._recycle_if_near_memory_limit()
        return outcome

    def _elaborate(self, text: str, env: int, started: float) -> CommandAnswer | Outcome:
        """The REPL's answer to `text` in `env`, or the outcome of its failure."""
        try:
            request = command_request(text, env)
            if self.config.lean.incremental:
                request["incrementality"] = True
            answer = self._send(request, self.config.timeout)
        except ReplFailure as exc:
            return _failure_outcome(exc, time.monotonic() - started)
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

    def _print_axioms(
        self, names: list[str], env: int, outcome: Outcome
    ) -> tuple[dict[str, list[str]] | None, Outcome]:
        """`#print axioms` for `names` as a request of its own, in the snippet's environment,
        and `outcome`; None and `outcome` failed when the REPL cannot answer it."""
        if not names:
            return {}, outcome
        command = "\n".join(f"#print axioms {name}" for name in names)
        try:
            answer = self._send(command_request(command, env), self.config.timeout)
        except ReplFailure as exc:
            failed = _failure_outcome(exc, 0.0)
            return None, replace(
                outcome, status=failed.status, error=f"axiom audit: {failed.error}"
            )
        if isinstance(answer, ErrorAnswer):
            return None, replace(
                outcome, status=Status.FAIL, error=f"axiom audit: {answer.message}"
            )
        found: dict[str, list[str]] = {}
        for message in answer.messages:
            parsed = parse_axioms_message(str(message.get("data", "")))
            if parsed is not None:
                found[parsed[0]] = parsed[1]
        missing = [name for name in names if name not in found]
        if missing:
            # Never pass what could not be audited.
            detail = first_error(answer.messages) or "no answer"
            error = f"axiom audit: cannot print axioms of {missing[0]}: {detail}"
            return None, replace(outcome, status=Status.FAIL, axioms=found, error=error)
        return found, outcome

    def _judge_axioms(self, found: dict[str, list[str]]) -> dict[str, Any]:
        """The outcome's fields that the axioms `found` decide."""
        audit = self.config.audit
        status, error = judge_axioms(
            found, ALLOWED_AXIOMS | audit.allowed, audit.allow_native_decide
        )
        return {"status": status, "error": error, "axioms": found}

    def close(self) -> None:
        if self._standby is not None:
            self._standby.close()
        self._session.close()
        self._envs.clear()

    def _new_session(self) -> ReplSession:
        config = self.config
        return ReplSession(
            config.repl, config.memory, dict(config.environment), on_start=self._on_repl_start
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
                _failure_outcome(exc, 0.0), error=f"header import: {exc}", header_timed_out=True
            )
            raise _HeaderError(outcome) from exc
        except ReplExited as exc:
            raise _HeaderError(self._died_importing(header, exc)) from exc
        except ReplFailure as exc:
            outcome = _failure_outcome(exc, 0.0)
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
            raise _HeaderError(_failure_outcome(exc, 0.0)) from exc
        if isinstance(answer, ErrorAnswer) or classify(answer.messages, []) is Status.FAIL:
            raise _HeaderError(
                Outcome(Status.CRASH, 0.0, error=f"REPL refused the Lean options: {answer}")
            )
        return answer.env

    def _fail_header(self, header: str, messages: list[dict[str, Any]], error: str) -> None:
        self._failed_headers[header] = _HeaderFailure(messages, error)
        raise _HeaderError(Outcome(Status.FAIL, 0.0, messages, error=error))

    def _send(self, request: dict[str, Any], timeout: float) -> Answer:
        return self._exchange(self._session, request, timeout)

    def _exchange(self, session: ReplSession, request: dict[str, Any], timeout: float) -> Answer:
        try:
            return session.send(request, timeout, self._should_abort)
        except ReplFailure:
            if session is self._session:
                self._envs.clear()  # the session restarts empty on its next request
            raise

    def _take_standby(self, header: str) -> None:
        """Swap in the spare REPL if it holds `header`, waiting for it if it is still
        importing: it started earlier, so it is ready sooner than a fresh import."""
        assert self._standby is not None
        taken = self._standby.take(header)
        if taken is not None:
            self._session.close()
            self._session, envs = taken
            self._envs.update(envs)
            self.standby_swaps += 1

    def _restart(self) -> None:
        self._session.close()
        self._envs.clear()


class _Standby:
    """A spare REPL warmed in a background thread with the worker's headers.

    A REPL lost to a timeout or a crash is then replaced without waiting for a full
    import of its header, at the price of a second REPL's memory.
    """

    def __init__(self, warm: Callable[[list[str]], tuple[ReplSession, dict[str, int]]]) -> None:
        # Imported here: a worker without --standby need not load it (and logging).
        from concurrent.futures import ThreadPoolExecutor

        self._warm = warm
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leancli-standby")
        self._future: Future[tuple[ReplSession, dict[str, int]]] | None = None
        self._headers: list[str] = []
        self.warming: ReplSession | None = None

    def ensure(self, headers: list[str]) -> None:
        """Start warming a spare with `headers` unless one is warm or warming."""
        if self._future is None and headers:
            self._headers = headers
            self._future = self._threads.submit(self._warm, headers)

    def take(self, header: str) -> tuple[ReplSession, dict[str, int]] | None:
        """The spare and its environments, once ready, if it is meant to hold `header`."""
        future = self._future
        if future is None or header not in self._headers:
            return None
        self._future, self.warming = None, None
        try:
            return future.result()
        except Exception:
            return None

    def close(self) -> None:
        self._future = None
        warming = self.warming
        if warming is not None and warming.pid is not None:
            kill_process_group(warming.pid)  # ends an import in progress at once
        self._threads.shutdown(wait=True)
        if warming is not None:
            warming.close()


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


def _failure_outcome(exc: ReplFailure, elapsed: float) -> Outcome:
    if isinstance(exc, ReplTimeout):
        return Outcome(Status.TIMEOUT, elapsed, error=str(exc))
    if isinstance(exc, ReplOutOfMemory):
        return Outcome(Status.MEMORY, elapsed, error=str(exc))
    if isinstance(exc, ReplAborted):
        raise exc
    assert isinstance(exc, ReplCrash)
    return Outcome(Status.CRASH, elapsed, error=str(exc))
