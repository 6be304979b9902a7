"""The differential oracle against `leancli check FILE`: options combined as users do.

Every example runs leancli (a real process) on a generated input with drawn options, and
holds each result against the reference in tests/helpers/oracle.py: one result per
snippet line, the reference's status (or `skipped` for a problem with a passing line),
copies like their originals, `--ordered` order, the exit code. A cache is used cold then
warm; `--resume` follows a SIGKILL at a random moment, or an edit of the input.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.helpers.common import read_jsonl
from tests.helpers.oracle import (
    REPL,
    SHORT_TIMEOUT,
    TIMEOUT,
    TIMEOUTS,
    Line,
    Sample,
    describe,
    edits,
    inputs,
    mismatches,
    render,
)


@dataclass(frozen=True)
class Options:
    workers: int
    dedup: bool
    first_pass: bool
    ordered: bool
    max_tasks: int
    standby: bool
    timeout: float = TIMEOUT
    warm_timeout: float = TIMEOUT  # the warm run's --timeout (mode `cache`)
    passes: int = 1  # --passes, with --first-pass

    def args(self) -> list[str]:
        args = ["-w", str(self.workers), "--max-tasks", str(self.max_tasks)]
        args += [] if self.dedup else ["--no-dedup"]
        args += ["--first-pass", "problem"] if self.first_pass else []
        args += ["--passes", str(self.passes)] if self.first_pass and self.passes != 1 else []
        args += ["--ordered"] if self.ordered else []
        args += ["--standby"] if self.standby else []
        return args


options = st.builds(
    Options,
    workers=st.integers(1, 3),
    dedup=st.booleans(),
    first_pass=st.booleans(),
    ordered=st.booleans(),
    max_tasks=st.sampled_from((0, 1, 3)),
    standby=st.booleans(),
    timeout=st.sampled_from(TIMEOUTS),
    warm_timeout=st.sampled_from(TIMEOUTS),
    passes=st.integers(1, 3),
)
MODES = ("plain", "cache", "kill-resume", "edit-resume")


def _command(
    source: Path, output: Path, chosen: Options, *extra: str, timeout: float | None = None
) -> list[str]:
    wait = chosen.timeout if timeout is None else timeout
    return [
        sys.executable, "-m", "leancli", "check", str(source), "-o", str(output),
        "--repl", REPL, "--timeout", str(wait), "--no-progress", *chosen.args(), *extra,
    ]  # fmt: skip


def _run(command: list[str]) -> int:
    done = subprocess.run(command, capture_output=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr.decode(errors="replace")[-2000:]
    return done.returncode


def _killed(command: list[str], after: float) -> None:
    """Start `command` and SIGKILL it, with its whole process group, `after` seconds in."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        process.wait(timeout=after)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def check_cli(
    tmp: Path, lines: list[Line], chosen: Options, mode: str, kill_after: float = 0.5,
    edited: list[Line] | None = None,
) -> None:  # fmt: skip
    source, output = tmp / "in.jsonl", tmp / "out.jsonl"
    source.write_bytes(render(lines, first_pass=chosen.first_pass))
    output.unlink(missing_ok=True)
    command = _command(source, output, chosen)
    final = lines
    if mode == "cache":
        cache = tmp / f"cache-{time.monotonic_ns()}"
        cold = _run([*command, "--cache", str(cache)])
        _expect(lines, read_jsonl(output.read_bytes()), chosen, cold, "cold cache")
        output.unlink()
        warm_command = _command(source, output, chosen, timeout=chosen.warm_timeout)
        warm = _run([*warm_command, "--cache", str(cache)])
        _expect(lines, read_jsonl(output.read_bytes()), chosen, warm, "warm cache", warm=True)
        return
    if mode == "kill-resume":
        _killed(command, kill_after)
        code = _run([*command, "--resume"])
    elif mode == "edit-resume":
        assert edited is not None
        _run(command)
        final = edited
        source.write_bytes(render(edited, first_pass=chosen.first_pass))
        code = _run([*command, "--resume"])
    else:
        code = _run(command)
    ordered = chosen.ordered and mode == "plain"
    _expect(final, read_jsonl(output.read_bytes()), chosen, code, mode, ordered)


def _expect(
    lines: list[Line], results: list[dict[str, object]], chosen: Options, code: int,
    stage: str, ordered: bool = False, warm: bool = False,
) -> None:  # fmt: skip
    found = mismatches(
        lines, results, first_pass=chosen.first_pass, ordered=ordered, exit_code=code,
        warm=warm, timeout=chosen.warm_timeout if warm else chosen.timeout,
        cold_timeout=chosen.timeout, passes=chosen.passes if chosen.first_pass else 1,
    )  # fmt: skip
    assert not found, f"{stage}, {chosen}:\n" + "\n".join(found) + "\n" + describe(lines)


# Found by the oracle: a copy in an unsolved problem of a skipped sample of a solved one
# came back `skipped` (defect 1).
_DEFECT_1 = [
    Sample("pass", 0, 0, 0, "p0"),
    Sample("fail", 1, 0, 0, "p0"),
    Sample("fail", 1, 0, 0, "p1"),
]
# Found by the oracle: a blanked line's old result stayed after --resume (defect 9).
_DEFECT_9 = [Sample("fail", 0, 0, 0, "p0"), Sample("pass", 0, 1, 0, "p0")]


# A warm run with a longer --timeout than the cold one: the `slow` line's cached timeout
# must not be reused; the copy of line 2 at another offset (and its cached verdict) must
# carry its own positions.
_TIMEOUT_AND_OFFSETS = [
    Sample("slow", 0, 0, 0, "p0"),
    Sample("fail", 0, 1, 2, "p0"),
    Sample("fail", 0, 1, 0, "p0"),
    Sample("sorry", 0, 2, 0, "p1"),
    Sample("sorry", 0, 2, 1, "p1"),
]
# --passes 2: the problem is solved by its second pass, not its first.
_PASSES = [
    Sample("pass", 0, 0, 0, "p0"),
    Sample("fail", 0, 0, 0, "p0"),
    Sample("pass", 1, 0, 0, "p0"),
    Sample("fail", 1, 0, 0, "p0"),
]


@given(data=st.data(), lines=inputs(), chosen=options, mode=st.sampled_from(MODES))
@example(
    data=None,
    lines=_TIMEOUT_AND_OFFSETS,
    chosen=Options(2, True, False, False, 0, False, SHORT_TIMEOUT, TIMEOUT),
    mode="cache",
).via("a timeout reused by a longer timeout; positions of copies")
@example(
    data=None,
    lines=_PASSES,
    chosen=Options(1, True, True, True, 0, False, passes=2),
    mode="plain",
).via("--passes")
@example(
    data=None,
    lines=_DEFECT_1,
    chosen=Options(1, True, True, False, 0, False),
    mode="plain",
).via("defect 1")
@example(
    data=None,
    lines=_DEFECT_9,
    chosen=Options(1, True, False, False, 0, False),
    mode="edit-resume",
).via("defect 9")
def test_cli_agrees_with_the_reference(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject | None, lines: list[Line],
    chosen: Options, mode: str,
) -> None:  # fmt: skip
    tmp = tmp_path_factory.mktemp("oracle")
    edited: list[Line] | None = None
    kill_after = 0.5
    if mode == "edit-resume":
        edited = data.draw(edits(lines)) if data is not None else [lines[0], ""]
    if mode == "kill-resume" and data is not None:
        kill_after = data.draw(st.floats(0.0, 3.0))
    check_cli(tmp, lines, chosen, mode, kill_after, edited)


def test_resume_after_the_line_copies_were_checked_on_is_blanked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Found by the soak: line 2's kept result named line 1 (duplicate_of), blanked since.
    lines: list[Line] = [Sample("sorry", 1, 1, 2, "p0"), Sample("sorry", 1, 1, 0, "p0")]
    chosen = Options(1, True, False, False, 0, False)
    check_cli(
        tmp_path_factory.mktemp("oracle"), lines, chosen, "edit-resume", edited=["", lines[1]]
    )
