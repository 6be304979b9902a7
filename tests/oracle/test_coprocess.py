"""The differential oracle against `leancli check -` as a co-process: a producer writes one
line, waits for its result (none for a blank line), then writes the next."""

from __future__ import annotations

import select
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.common import read_jsonl
from tests.helpers.oracle import REPL, TIMEOUT, Line, describe, inputs, mismatches, render

ANSWER_SECONDS = 120.0  # far beyond a snippet's timeout: only a lost answer waits this long


def check_coprocess(lines: list[Line], workers: int, dedup: bool, first_pass: bool) -> None:
    command = [
        sys.executable, "-m", "leancli", "check", "-", "--repl", REPL, "--timeout",
        str(TIMEOUT), "--no-progress", "-w", str(workers),
    ]  # fmt: skip
    command += [] if dedup else ["--no-dedup"]
    command += ["--first-pass", "problem"] if first_pass else []
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdin is not None and process.stdout is not None
    answers = []
    try:
        for raw in render(lines, first_pass=first_pass).splitlines(keepends=True):
            process.stdin.write(raw)
            process.stdin.flush()
            if raw.strip():
                ready, _, _ = select.select([process.stdout], [], [], ANSWER_SECONDS)
                assert ready, f"no answer to {raw!r}\n" + describe(lines)
                answers.append(process.stdout.readline())
        process.stdin.close()
        rest = process.stdout.read()
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    results = read_jsonl(b"".join(answers) + rest)
    found = mismatches(lines, results, first_pass=first_pass, ordered=True, exit_code=code)
    assert not found, f"workers {workers}, dedup {dedup}:\n" + "\n".join(found) + describe(lines)


@given(
    lines=inputs(max_problems=2),
    workers=st.integers(1, 2),
    dedup=st.booleans(),
    first_pass=st.booleans(),
)
def test_coprocess_agrees_with_the_reference(
    lines: list[Line], workers: int, dedup: bool, first_pass: bool
) -> None:
    check_coprocess(lines, workers, dedup, first_pass)
