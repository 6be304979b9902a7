"""A kernel replay whose program cannot start is a `crash`, never a rejection (issue 24:
"a checker that crashes or times out is `crash`/`timeout`"; found by the adversarial
review of issue 24). `--trust kernel` refuses such a checker up front; this is the
worker's side, for a program gone after the run began or on a Ray node."""

from __future__ import annotations

from pathlib import Path

from leancli.inputs.snippet import split_snippet
from leancli.options import KernelOptions, ReplSpec, WorkerConfig
from leancli.records import Status, Task
from leancli.repl.worker import Worker
from leancli.simulated import checker_argv

HONEST = "import Mathlib\n\ntheorem t : True := trivial"


def _run(fake_repl: str, options: KernelOptions) -> tuple[Status, str]:
    snippet = split_snippet(HONEST)
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), timeout=5, kernel=options)
    live = Worker(config)
    try:
        outcome = live.run(Task(1, snippet.header, snippet.body, snippet.offset))
    finally:
        live.close()
    return outcome.status, outcome.error or ""


def test_a_checker_that_cannot_start_is_a_crash(fake_repl: str, tmp_path: Path) -> None:
    missing = ReplSpec(argv=(str(tmp_path / "gone-checker"),))
    status, error = _run(fake_repl, KernelOptions(checker=missing, module_from="pickle"))
    assert status is Status.CRASH, error
    assert "the kernel checker could not start" in error and "gone-checker" in error, error
    assert "Traceback" not in error


def test_a_lean_that_cannot_start_to_make_the_module_is_a_crash(
    fake_repl: str, tmp_path: Path
) -> None:
    options = KernelOptions(
        checker=ReplSpec(argv=checker_argv()),
        compiler=ReplSpec(argv=(str(tmp_path / "gone-lean"),)),
        module_from="compile",
    )
    status, error = _run(fake_repl, options)
    assert status is Status.CRASH, error
    assert "could not start" in error and "gone-lean" in error and "Traceback" not in error
