"""One live Lean REPL process: the only place that touches the subprocess.

All three pipes are non-blocking and served by one selector loop, so a REPL that floods
stderr or stops reading stdin can never deadlock the worker; the loop also enforces the
wall-clock timeout and watches the REPL's anonymous resident memory (process_memory.py).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import psutil

from leancli.errors import LeancliError
from leancli.options import MemoryLimits, ReplSpec
from leancli.repl.process_memory import tree_anon_rss, tree_cpu_seconds
from leancli.repl.protocol import (
    Answer,
    CommandAnswer,
    FrameBuffer,
    ProtocolError,
    encode_request,
    parse_answer,
)
from leancli.sandbox.bubblewrap import cap_cpu
from leancli.sandbox.environment import repl_environment

STDERR_TAIL_BYTES = 64 * 1024
MEMORY_POLL_SECONDS = 0.1
STALL_SECONDS = 1.0  # a wait of 0.1 s that took this much longer: leancli was not running
OOM_MARKERS = (b"INTERNAL PANIC: out of memory", b"std::bad_alloc", b"out of memory")
# The launcher's exit when the program never started: the shell's "cannot execute" (127),
# never 1 (what Lean exits with when it rejects something: `uncaught exception`).
LAUNCH_FAILED = 127

# Runs between fork and the REPL's exec, in a fresh interpreter rather than a preexec_fn,
# which is unsafe in threaded processes such as Ray actors. It caps the address space
# (children inherit it) and asks Linux to kill the REPL when its worker dies. It also makes
# the REPL a child subreaper (kept across exec): a daemon a snippet starts (a double fork,
# `setsid`) leaves the REPL's process group but stays its descendant, so it ends with it.
# A program that cannot start makes it exit LAUNCH_FAILED, with one line on stderr.
_LAUNCHER = (
    f"LAUNCH_FAILED = {LAUNCH_FAILED}\n"
    + """
import ctypes, os, resource, signal, sys
limit = int(sys.argv[1])
if limit > 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
if sys.platform.startswith("linux"):
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    if os.getppid() != int(sys.argv[2]):
        sys.exit(LAUNCH_FAILED)
try:
    os.execvp(sys.argv[3], sys.argv[3:])
except OSError as exc:
    sys.stderr.write(f"cannot start {sys.argv[3]}: {exc.strerror or exc}\\n")
    sys.exit(LAUNCH_FAILED)
"""
)


def launcher_argv(hard_limit_bytes: int | None) -> list[str]:
    """The command line that runs a program (appended) under the launcher above."""
    limit = str(hard_limit_bytes or 0)
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, limit, str(os.getpid())]


class ReplFailure(LeancliError):
    """The REPL could not answer; the session is dead and must be restarted.

    `delivered` is False when no byte of the request reached the REPL (its input was
    closed before the request was written): the failure is not the request's."""

    delivered = True


class ReplTimeout(ReplFailure):
    pass


class ReplOutOfMemory(ReplFailure):
    pass


class ReplCrash(ReplFailure):
    pass


class ReplExited(ReplCrash):
    """The REPL's process ended without an answer (and without saying it ran out of memory).

    `code` is its exit status (negative: the signal that ended it; None: unknown) and
    `stderr` the end of what it printed there.
    """

    def __init__(self, message: str, code: int | None = None, stderr: bytes = b"") -> None:
        super().__init__(message)
        self.code = code
        self.stderr = stderr


class ReplDesync(ReplCrash):
    """Output that is not the answer due: a subprocess or a write to /dev/stdout forged it."""


class ReplAborted(ReplFailure):
    """The caller asked to stop waiting (its parent is gone)."""


class ReplSession:
    """Starts a REPL in its own process group and exchanges requests and answers."""

    def __init__(
        self,
        spec: ReplSpec,
        memory: MemoryLimits | None = None,
        environment: dict[str, str] | None = None,
        on_start: Callable[[int], None] | None = None,
        pass_env: tuple[str, ...] = (),
    ) -> None:
        self.spec = spec
        self._pass_env = pass_env
        self._on_start = on_start
        self.memory = memory or MemoryLimits()
        self._environment = environment
        self._process: subprocess.Popen[bytes] | None = None
        self._selector: selectors.BaseSelector | None = None
        self._frames = FrameBuffer()
        self._unsent = memoryview(b"")  # what is left to write of the current request
        self._request_size = 0  # the whole of the current request, in bytes
        self._stderr_tail = bytearray()
        self._last_memory_check = 0.0
        self._next_env = 0  # the REPL numbers its environments 0, 1, ... as it makes them
        self._answering_env: int | None = None  # a request answered with an existing env
        self.anon_rss = 0  # anonymous resident bytes of the REPL's tree, as last measured
        self.peak_anon_rss = 0  # the most measured since the worker last reset it (cost.py)
        self.ended = 0  # REPL processes this session ended
        self._cpu_of_ended = 0.0  # their CPU seconds, read just before each was killed
        # The live REPL's CPU seconds as last read: a REPL that dies on its own is reaped
        # before `close` can read it, and its CPU would count as none.
        self._cpu_sample = 0.0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        argv = launcher_argv(self.memory.hard_limit_bytes())
        env = repl_environment(os.environ, self._pass_env, self._environment)
        try:
            self._process = subprocess.Popen(
                [*argv, *self.spec.argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.spec.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise ReplCrash(f"cannot start the REPL ({self.spec.describe()}): {exc}") from exc
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._selector = selectors.DefaultSelector()
        for pipe in (self._process.stdin, self._process.stdout, self._process.stderr):
            os.set_blocking(pipe.fileno(), False)
        self._selector.register(self._process.stdout, selectors.EVENT_READ, "stdout")
        self._selector.register(self._process.stderr, selectors.EVENT_READ, "stderr")
        self._frames = FrameBuffer()
        self._next_env = 0
        self._stderr_tail = bytearray()
        self.anon_rss = 0
        if self._on_start is not None:
            self._on_start(self._process.pid)

    def send(
        self,
        request: dict[str, Any],
        timeout: float,
        should_abort: Callable[[], bool] | None = None,
        answering_env: int | None = None,
    ) -> Answer:
        """Send one request and wait for its answer; on any failure the REPL is killed.

        `answering_env`: the request makes no environment and is answered with this one
        (`pickleTo`), rather than with the next."""
        if not self.alive:
            self.start()
        self._answering_env = answering_env
        cap_cpu(self.pid, self.spec.cpu_factor * timeout)  # a backstop (see sandbox.py)
        try:
            return self._exchange(encode_request(request), timeout, should_abort)
        except ReplFailure:
            self.close()
            raise
        except ProtocolError as exc:
            self.close()
            raise ReplCrash(f"REPL broke the protocol: {exc}") from exc

    def _exchange(
        self, data: bytes, timeout: float, should_abort: Callable[[], bool] | None
    ) -> Answer:
        process, selector = self._process, self._selector
        assert process is not None and selector is not None
        assert process.stdin is not None and process.stdout is not None
        if _read(process.stdout.fileno()) or self._frames.has_content():
            raise ReplDesync("answer desynchronised: the REPL printed output before it was asked")
        # Most requests fit in the pipe at once; the selector writes the rest of a big one.
        pending = memoryview(data)
        self._request_size = len(pending)
        try:
            pending = pending[os.write(process.stdin.fileno(), pending) :]
        except BlockingIOError:
            pass
        except BrokenPipeError:
            raise self._undelivered() from None
        self._unsent = pending
        if pending:
            selector.register(process.stdin, selectors.EVENT_WRITE, "stdin")
        now = time.monotonic()
        deadline = now + timeout
        # Polled at most every MEMORY_POLL_SECONDS across requests, not on each one:
        # a process-tree scan costs more than a fast snippet.
        next_memory_check = self._last_memory_check + MEMORY_POLL_SECONDS
        waited = False  # a fast answer needs no call to `should_abort`
        woke_by: float | None = None  # when the last wait should have ended
        try:
            while True:
                now = time.monotonic()
                if woke_by is not None and now - woke_by > STALL_SECONDS:
                    # leancli itself was stopped (Ctrl-Z, SIGSTOP) or starved: that time
                    # is not the snippet's.
                    deadline += now - woke_by
                if now >= deadline:
                    # An answer that arrived in time is read before the deadline is judged.
                    answer = self._serve(selector.select(0), process)
                    if answer is not None:
                        return answer
                    raise ReplTimeout(f"no answer within {timeout:g} s")
                if now >= next_memory_check:
                    self._check_memory()
                    self._last_memory_check = now
                    next_memory_check = now + MEMORY_POLL_SECONDS
                if waited and should_abort is not None and should_abort():
                    raise ReplAborted("stopped by the caller")
                waited = True
                wait = min(deadline - now, max(next_memory_check - now, 0.0), MEMORY_POLL_SECONDS)
                woke_by = now + max(wait, 0.0)
                answer = self._serve(selector.select(max(wait, 0.0)), process)
                if answer is not None:
                    return answer
        finally:
            if self._process is not None and process.stdin is not None:
                with contextlib.suppress(KeyError, ValueError):
                    selector.unregister(process.stdin)

    def _serve(
        self, events: list[tuple[selectors.SelectorKey, int]], process: subprocess.Popen[bytes]
    ) -> Answer | None:
        """Serve the ready pipes: write more of the request (`_unsent`), keep stderr, and
        return the answer once it is whole."""
        for key, _ in events:
            if key.data == "stdin":
                try:
                    self._unsent = self._unsent[os.write(key.fd, self._unsent) :]
                except BrokenPipeError:
                    if len(self._unsent) == self._request_size:
                        raise self._undelivered() from None
                    raise self._died(closed="its input: it reads no more requests") from None
                if not self._unsent:
                    assert self._selector is not None and process.stdin is not None
                    self._selector.unregister(process.stdin)
            elif key.data == "stderr":
                self._read_stderr(key.fd)
            else:
                chunk = _read(key.fd)
                if chunk is None:
                    continue
                if not chunk:
                    raise self._died()
                frames = self._frames.feed(chunk)
                if not self._frames.starts_like_json():
                    raise ProtocolError("REPL printed non-JSON output: " + self._frames.preview())
                if frames:
                    return self._due_answer(frames)
        return None

    def _due_answer(self, frames: list[bytes]) -> Answer:
        """The request's one answer, with the env number due next (an error answer has none)."""
        if len(frames) > 1 or self._frames.has_content():
            raise ReplDesync("answer desynchronised: the REPL printed more than one answer")
        answer = parse_answer(frames[0])
        due = self._next_env if self._answering_env is None else self._answering_env
        if isinstance(answer, CommandAnswer) and answer.env != due:
            raise ReplDesync(f"answer desynchronised: env {answer.env}, {due} due")
        self._next_env += isinstance(answer, CommandAnswer) and self._answering_env is None
        return answer

    def _read_stderr(self, fd: int) -> None:
        chunk = _read(fd)
        if chunk is None:
            return
        if not chunk:
            assert self._selector is not None and self._process is not None
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(self._process.stderr)  # type: ignore[arg-type]
            return
        self._stderr_tail += chunk
        if len(self._stderr_tail) > STDERR_TAIL_BYTES:
            del self._stderr_tail[: len(self._stderr_tail) - STDERR_TAIL_BYTES]

    def _check_memory(self) -> None:
        # Anonymous memory only: the .olean pages an import maps are shared and droppable.
        used = self.anon_rss = tree_anon_rss(self.pid)
        self._sample_cpu()
        self.peak_anon_rss = max(self.peak_anon_rss, used)
        limit = self.memory.rss_mb * 1024 * 1024
        if self.memory.rss_mb > 0 and used > limit:
            raise ReplOutOfMemory(
                f"REPL used {used // 2**20} MiB of anonymous memory, "
                f"over --memory-limit {self.memory.rss_mb} MiB"
            )

    def _undelivered(self) -> ReplFailure:
        """The REPL closed its input before any of the request was written: it never
        received it (see `ReplFailure.delivered`)."""
        failure = self._died(closed="its input: it reads no more requests")
        failure.delivered = False
        return failure

    def _died(self, closed: str = "its output") -> ReplFailure:
        """Why the REPL's stdout (or, when a request could not be written, its stdin)
        closed: out of memory, or a crash with its stderr."""
        process = self._process
        assert process is not None
        self._sample_cpu()  # before it is reaped, while /proc still has it
        try:
            code = process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            code = None
        self._drain_stderr()
        tail = bytes(self._stderr_tail)
        if any(marker in tail for marker in OOM_MARKERS):
            return ReplOutOfMemory("REPL ran out of memory (hard limit): " + _last_lines(tail))
        how = f"closed {closed}" if code is None else _describe_exit(code)
        detail = _last_lines(tail)
        return ReplExited(f"REPL {how}" + (f": {detail}" if detail else ""), code, tail)

    def _drain_stderr(self) -> None:
        process = self._process
        if process is None or process.stderr is None:
            return
        deadline = time.monotonic() + 1.0
        fd = process.stderr.fileno()
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                if process.poll() is not None:
                    return
                time.sleep(0.01)
                continue
            except OSError:
                return
            if not chunk:
                return
            self._stderr_tail += chunk
            del self._stderr_tail[:-STDERR_TAIL_BYTES]

    def close(self) -> None:
        """Kill the REPL and everything it started (its whole process group)."""
        process = self._process
        if process is None:
            return
        self._process = None
        self.ended += 1
        self._cpu_of_ended += max(tree_cpu_seconds(process.pid), self._cpu_sample)
        self._cpu_sample = 0.0
        kill_descendants(process.pid)
        kill_process_group(process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5.0)
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def cpu_seconds(self) -> float:
        """CPU seconds of every REPL this session ran, the live one's so far."""
        live = tree_cpu_seconds(self.pid) if self.alive else 0.0
        return self._cpu_of_ended + max(live, self._cpu_sample)

    def _sample_cpu(self) -> None:
        self._cpu_sample = max(self._cpu_sample, tree_cpu_seconds(self.pid))

    def __enter__(self) -> ReplSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kill_descendants(pid: int) -> None:
    """SIGKILL every descendant of `pid`, wherever its process group or session."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()


def kill_process_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read(fd: int) -> bytes | None:
    """A chunk, b"" at end of file, or None when nothing is there after all."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


def _last_lines(data: bytes, count: int = 5) -> str:
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return "\n".join(lines[-count:])
