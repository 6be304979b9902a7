"""The differential oracle against the Python API: `Checker.check`, `imap_unordered`,
`acheck` (two calls at once, sharing the pool and its dedup), `first_pass=`, a cache
cold then warm. Each call's results are held against the reference of its own snippets
(tests/helpers/oracle.py), numbered from 1 in the call.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from leancli import Checker
from tests.helpers.oracle import REPL, TIMEOUT, Line, Sample, describe, inputs, mismatches

CALLS = ("check", "imap_unordered", "acheck", "acheck-pair")


def snippet_of(line: Line, first_pass: bool) -> Any:
    """What a caller hands the Checker for `line`: a mapping, or something that is no
    snippet (a number, a list, a mapping without code)."""
    if isinstance(line, Sample):
        row = {"id": "x", "code": line.code}
        return {**row, "problem": line.problem} if first_pass else row
    return {"bad:not json": 7, "bad:[1, 2]": [1, 2]}.get(line, {"id": "no-code"})


def _results(checker: Checker, calls: list[list[Line]], how: str, first_pass: bool) -> list[Any]:
    batches = [[snippet_of(line, first_pass) for line in lines] for lines in calls]
    if how == "check":
        return [checker.check(batch) for batch in batches]
    if how == "imap_unordered":
        return [list(checker.imap_unordered(batch)) for batch in batches]

    async def together() -> list[Any]:
        return list(await asyncio.gather(*(checker.acheck(batch) for batch in batches)))

    return asyncio.run(together())


def check_api(
    tmp: Path, lines: list[Line], workers: int, dedup: bool, first_pass: bool, how: str,
    split: int, cache: bool = False, **extra: Any,
) -> None:  # fmt: skip
    calls = [lines[:split], lines[split:]] if how == "acheck-pair" else [lines]
    calls = [call for call in calls if call]
    runs = 2 if cache else 1
    for run in range(runs):
        with Checker(
            repl=REPL,
            workers=workers,
            timeout=TIMEOUT,
            dedup=dedup,
            first_pass="problem" if first_pass else None,
            cache=tmp / "cache" if cache else None,
            **extra,
        ) as checker:
            answered = _results(checker, calls, how, first_pass)
        for call, results in zip(calls, answered, strict=True):
            rows = [result.to_dict() for result in results]
            found = mismatches(
                call, rows, first_pass=first_pass, ordered=how != "imap_unordered", warm=run == 1
            )
            stage = f"{how}, run {run + 1}, workers {workers}, dedup {dedup}, {extra}"
            assert not found, f"{stage}:\n" + "\n".join(found) + "\n" + describe(call)


@given(
    lines=inputs(blanks=False),
    workers=st.integers(1, 3),
    dedup=st.booleans(),
    first_pass=st.booleans(),
    how=st.sampled_from(CALLS),
    split=st.integers(0, 12),
    cache=st.booleans(),
    max_tasks=st.sampled_from((0, 2)),
    standby=st.booleans(),
)
@example(
    # Defect 1 across calls: call 2's sample is a copy of call 1's waiting one, skipped
    # when call 1's problem was solved.
    lines=[
        Sample("pass", 0, 0, 0, "p0"),
        Sample("fail", 1, 0, 0, "p0"),
        Sample("fail", 1, 0, 0, "p0"),
    ],
    workers=1,
    dedup=True,
    first_pass=True,
    how="acheck-pair",
    split=2,
    cache=False,
    max_tasks=0,
    standby=False,
).via("defect 1")
@example(
    # Found by the oracle: a Checker's cache was opened in the caller's thread and refused
    # in its run loop's ("SQLite objects created in a thread..."): never used.
    lines=[Sample("pass", 0, 1, 0, "p0"), Sample("fail", 0, 0, 0, "p0")],
    workers=1,
    dedup=True,
    first_pass=False,
    how="check",
    split=0,
    cache=True,
    max_tasks=0,
    standby=False,
).via("a Checker's cache")
def test_api_agrees_with_the_reference(
    tmp_path_factory: pytest.TempPathFactory, lines: list[Line], workers: int, dedup: bool,
    first_pass: bool, how: str, split: int, cache: bool, max_tasks: int, standby: bool,
) -> None:  # fmt: skip
    tmp = tmp_path_factory.mktemp("oracle-api")
    check_api(
        tmp, lines, workers, dedup, first_pass, how, split, cache,
        max_tasks=max_tasks, standby=standby,
    )  # fmt: skip
