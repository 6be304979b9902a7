"""`--trust kernel` in a worker: passes are pickled by the REPL and replayed by the
simulated checker (leancli/simulated/checker.py), whose cues mark what the kernel rejects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from leancli.inputs.snippet import split_snippet
from leancli.options import KernelOptions, ReplSpec, WorkerConfig
from leancli.records import Status, Task
from leancli.repl.worker import Worker
from leancli.simulated import checker_argv

HONEST = "import Mathlib\n\ntheorem t : True := trivial"


def _task(key: int, code: str) -> Task:
    snippet = split_snippet(code)
    return Task(key, snippet.header, snippet.body, snippet.offset)


def _config(
    fake_repl: str, checker: tuple[str, ...] = checker_argv(), timeout: float = 20
) -> WorkerConfig:
    options = KernelOptions(checker=ReplSpec(argv=checker), module_from="pickle", timeout=timeout)
    return WorkerConfig(repl=ReplSpec.from_command(fake_repl), timeout=5, kernel=options)


@pytest.fixture
def worker(fake_repl: str) -> Iterator[Worker]:
    live = Worker(_config(fake_repl, timeout=20))
    yield live
    live.close()


def test_an_honest_pass_reaches_the_kernel(worker: Worker) -> None:
    outcome = worker.run(_task(1, HONEST))
    assert (outcome.status, outcome.trust, outcome.error) == (Status.PASS, "kernel", None)


def test_a_pass_the_kernel_rejects_fails_with_the_checkers_message(worker: Worker) -> None:
    code = f"{HONEST}\n-- kernel: reject declaration type mismatch, 'false' has type Prop"
    outcome = worker.run(_task(1, code))
    assert outcome.status is Status.FAIL and outcome.trust == "kernel"
    assert outcome.error is not None
    assert "(kernel) declaration type mismatch, 'false' has type Prop" in outcome.error
    # The worker goes on: the next snippet is checked in the same REPL.
    assert worker.run(_task(2, HONEST)).status is Status.PASS


def test_the_replay_sees_every_command_of_the_snippets_environment(worker: Worker) -> None:
    # The rejected declaration is in the body's first command, the theorem after it.
    code = "import Mathlib\n\n-- kernel: reject forged\ndef x := 1\n\ntheorem t : True := trivial"
    assert worker.run(_task(1, code)).status is Status.FAIL


def test_a_checker_that_crashes_or_hangs_never_passes(fake_repl: str) -> None:
    live = Worker(_config(fake_repl, timeout=1.5))
    try:
        crashed = live.run(_task(1, f"{HONEST}\n-- kernel: crash"))
        assert crashed.status is Status.CRASH and "SIGSEGV" in (crashed.error or "")
        hung = live.run(_task(2, f"{HONEST}\n-- kernel: hang"))
        assert hung.status is Status.TIMEOUT and "1.5 s" in (hung.error or "")
        assert live.run(_task(3, HONEST)).status is Status.PASS
    finally:
        live.close()


def test_only_passes_are_replayed(fake_repl: str, tmp_path: Path) -> None:
    log = tmp_path / "replays"
    script = tmp_path / "checker.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {log}\nexec {" ".join(checker_argv())} "$1"\n')
    script.chmod(0o755)
    live = Worker(_config(fake_repl, checker=(str(script),)))
    try:
        assert live.run(_task(1, "import Mathlib\n\ntheorem t : True := sorry")).trust == "audit"
        assert (
            live.run(_task(2, "import Mathlib\n\n-- fake: error\ndef x := 1")).status is Status.FAIL
        )
        assert not log.exists()
        assert live.run(_task(3, HONEST)).status is Status.PASS
        assert len(log.read_text().splitlines()) == 1
    finally:
        live.close()


def test_the_module_directory_is_private_and_goes_with_the_worker(fake_repl: str) -> None:
    live = Worker(_config(fake_repl))
    directory = live._kernel.directory if live._kernel is not None else None
    assert directory is not None and directory.is_dir()
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    live.run(_task(1, HONEST))
    assert os.listdir(directory) == []  # each module is removed once replayed
    live.close()
    assert not directory.exists()


def test_without_the_kernel_tier_results_say_audit_or_lean(fake_repl: str) -> None:
    from leancli.options import AuditOptions

    for audit, trust in ((True, "audit"), (False, "lean")):
        config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), audit=AuditOptions(audit))
        live = Worker(config)
        try:
            assert live.run(_task(1, HONEST)).trust == trust
        finally:
            live.close()


def _script(path: Path, text: str) -> tuple[str, ...]:
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(0o755)
    return (str(path),)


def test_for_leanchecker_the_snippet_is_compiled_into_a_module_it_finds(
    fake_repl: str, tmp_path: Path
) -> None:
    """The real route (core's tests/leanchecker/test_single.sh): `lean -o M.olean M.lean`,
    then `leanchecker M` with M's directory first on LEAN_PATH; stand-ins for both."""
    seen = tmp_path / "seen"
    # lean --root=DIR -o OLEAN LEAN: the stand-in's module is a copy of the source.
    lean = _script(tmp_path / "lean", 'cp "$4" "$3"\n')
    checker = _script(
        tmp_path / "leanchecker",
        f'echo "$LEAN_PATH" > {seen}\nfirst="${{LEAN_PATH%%:*}}"\n'
        'if grep -q forged "$first/$1.olean"; then\n'
        '  echo "leanchecker found a problem in $1" >&2\n'
        "  echo \"uncaught exception: (kernel) declaration type mismatch, 'x'\" >&2; exit 1\n"
        "fi\n",
    )
    options = KernelOptions(
        checker=ReplSpec(argv=checker), compiler=ReplSpec(argv=lean), module_from="compile"
    )
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), timeout=5, kernel=options)
    live = Worker(config)
    try:
        assert live.run(_task(1, HONEST)).status is Status.PASS
        assert live._kernel is not None
        assert seen.read_text().split(":")[0].strip() == str(live._kernel.directory)
        forged = live.run(_task(2, "import Mathlib\n\ndef x := 1 -- forged"))
        assert forged.status is Status.FAIL and forged.trust == "kernel"
        assert forged.error is not None and "declaration type mismatch, 'x'" in forged.error
    finally:
        live.close()
