"""`--trust kernel`: a pass made into a module of its own and replayed by a kernel checker.

Each worker keeps one private temporary directory; a passing snippet becomes the module
`LeancliSnippet<pid>x<n>` in it (by the REPL's `pickleTo` for the simulated checker, by
`lean -o` for leanchecker and lean4checker, see docs/trust.md), and the checker runs as
`CHECKER MODULE` with that directory on LEAN_PATH, in a fresh process that never ran the
snippet's code: the REPL's minimal environment, its project (`lake env`), its sandbox and
its address-space limit, under `--kernel-timeout`. Its exit status is the verdict: 0
accepted, 1 rejected (what Lean's `uncaught exception` exits with), anything else a crash;
a program that never started (the launcher's LAUNCH_FAILED) is a crash, never a rejection.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from leancli.options import KernelOptions, MemoryLimits, ReplSpec
from leancli.records import Outcome, Status
from leancli.repl.session import (
    LAUNCH_FAILED,
    OOM_MARKERS,
    kill_descendants,
    kill_process_group,
    launcher_argv,
)
from leancli.sandbox.environment import repl_environment

MODULE_PREFIX = "LeancliSnippet"
OUTPUT_TAIL_CHARS = 4000
REJECTED_EXIT = 1  # Lean's `uncaught exception: ...` (leanchecker's "found a problem")


@dataclass(frozen=True)
class Finished:
    """How a program ended: its exit status (negative: the signal; None: timed out)."""

    code: int | None
    output: str


class KernelReplay:
    """One worker's kernel replays: its module directory and the programs it runs."""

    def __init__(
        self,
        options: KernelOptions,
        memory: MemoryLimits,
        environment: dict[str, str],
        pass_env: tuple[str, ...],
    ) -> None:
        self.options = options
        self._memory = memory
        self._environment = environment
        self._pass_env = pass_env
        self.directory = Path(tempfile.mkdtemp(prefix="leancli-kernel-"))
        self._made = 0

    @property
    def from_pickle(self) -> bool:
        return self.options.module_from == "pickle"

    def new_module(self) -> str:
        """A module name unique to this run: no prefix match with another (`Name` parts)."""
        self._made += 1
        return f"{MODULE_PREFIX}{os.getpid()}x{self._made}"

    def olean(self, module: str) -> Path:
        return self.directory / f"{module}.olean"

    def in_module_dir(self, spec: ReplSpec) -> ReplSpec:
        """`spec` that can write and read the module directory under the sandbox."""
        if not self.options.sandboxed:
            return spec
        from leancli.sandbox.bubblewrap import with_module_dir

        return with_module_dir(spec, self.directory)

    def compile(self, module: str, text: str) -> Outcome | None:
        """Lean's own module of `text` (`lean -o`), or why there is none."""
        assert self.options.compiler is not None
        source = self.directory / f"{module}.lean"
        source.write_text(text, encoding="utf-8")
        arguments = (f"--root={self.directory}", "-o", str(self.olean(module)), str(source))
        finished = self._run(self.options.compiler, arguments)
        return _verdict(finished, self.options.timeout, "Lean compiling it as a module")

    def replay(self, module: str) -> Outcome | None:
        """None when the checker accepts `module`, else the snippet's outcome."""
        if not self.olean(module).is_file():
            return Outcome(Status.CRASH, error=f"kernel replay: no module {self.olean(module)}")
        finished = self._run(self.options.checker, (module,))
        return _verdict(finished, self.options.timeout, "the kernel checker")

    def forget(self, module: str) -> None:
        for path in self.directory.glob(f"{module}.*"):
            with contextlib.suppress(OSError):
                path.unlink()

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, spec: ReplSpec, arguments: tuple[str, ...]) -> Finished:
        """`spec` with `arguments`, as the REPL runs: own process group, minimal
        environment, the address-space limit; the module directory first on LEAN_PATH."""
        spec = self.in_module_dir(spec)
        env = repl_environment(os.environ, self._pass_env, self._environment)
        inherited = env.get("LEAN_PATH")
        env["LEAN_PATH"] = os.pathsep.join(
            [str(self.directory), *([inherited] if inherited else [])]
        )
        argv = [*launcher_argv(self._memory.hard_limit_bytes()), *spec.argv, *arguments]
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=spec.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return Finished(LAUNCH_FAILED, f"cannot start {spec.describe()}: {exc}")
        try:
            output, _ = process.communicate(timeout=self.options.timeout)
        except subprocess.TimeoutExpired:
            kill_descendants(process.pid)
            kill_process_group(process.pid)
            output, _ = process.communicate()
            return Finished(None, _tail(output))
        return Finished(process.returncode, _tail(output))


def _tail(output: bytes) -> str:
    return output.decode("utf-8", "replace")[-OUTPUT_TAIL_CHARS:].strip()


def _verdict(finished: Finished, timeout: float, who: str) -> Outcome | None:
    """What the exit of `who` means for a snippet that passed: None when accepted."""
    said = finished.output
    if finished.code is None:
        return Outcome(
            Status.TIMEOUT, error=f"kernel replay: {who} gave no verdict within {timeout:g} s"
        )
    if finished.code == 0:
        return None
    if any(marker.decode() in said for marker in OOM_MARKERS):
        return Outcome(Status.MEMORY, error=f"kernel replay: {who} ran out of memory: {said}")
    if finished.code == REJECTED_EXIT:
        return Outcome(Status.FAIL, error=f"kernel replay: rejected by {who}: {_reason(said)}")
    return Outcome(
        Status.CRASH, error=f"kernel replay: {who} {_describe_exit(finished.code)}: {said}"
    )


def _reason(output: str) -> str:
    """What Lean said was wrong: from its `uncaught exception:` on, else all it said."""
    at = output.find("uncaught exception:")
    return (
        output[at + len("uncaught exception:") :] if at >= 0 else output
    ).strip() or "(no output)"


def _describe_exit(code: int) -> str:
    if code == LAUNCH_FAILED:
        return "could not start"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


def as_replayed(outcome: Outcome, problem: Outcome | None, elapsed: float) -> Outcome:
    """The outcome of a pass after its replay: still a pass, or the replay's verdict,
    keeping what Lean said of the snippet (its messages, its axioms)."""
    if problem is None:
        return replace(outcome, time=elapsed, trust="kernel")
    return replace(
        outcome, status=problem.status, time=elapsed, error=problem.error, trust="kernel"
    )
