"""leancli.Checker as a training loop uses it: warm across batches, in order, from threads."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import leancli
from leancli.checker import CheckerClosed
from tests.helpers.common import leftover_processes

HEADER = "import Mathlib\n\n"


def _imports(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if "import 'import Mathlib'" in line)


def _batch(tag: str, size: int) -> list[str]:
    # 0.05 s each: every worker gets some of them (a worker holds about 20 ms of work).
    return [
        f"{HEADER}theorem {tag}{n} : {n} = {n} := rfl\n-- fake: sleep 0.05" for n in range(size)
    ]


def test_batches_share_the_warm_repls_and_come_back_in_order(
    fake_repl: str, import_log: Path
) -> None:
    with leancli.Checker(repl=fake_repl, workers=2, timeout=30) as checker:
        first = checker.check(_batch("a", 20))
        after_first = _imports(import_log)
        second = checker.check([*_batch("b", 20), f"{HEADER}theorem bad : True := sorry"])
    assert [r.line for r in first] == list(range(1, 21))
    assert all(r.status is leancli.Status.PASS for r in first)
    assert [r.status.value for r in second][-1] == "sorry"
    assert after_first == 2  # one import per worker
    assert _imports(import_log) == after_first  # the second batch imported nothing


def test_imap_is_in_order_and_imap_unordered_as_they_finish(fake_repl: str) -> None:
    def slow_first(tag: str) -> list[str]:
        return [
            f"theorem {tag} : True := trivial\n-- fake: sleep 1",
            *(f"theorem {tag}{n} : True := trivial" for n in range(5)),
        ]

    with leancli.Checker(repl=fake_repl, workers=2, timeout=30) as checker:
        assert [r.line for r in checker.imap(slow_first("a"))] == [1, 2, 3, 4, 5, 6]
        unordered = [r.line for r in checker.imap_unordered(slow_first("b"))]
    assert sorted(unordered) == [1, 2, 3, 4, 5, 6] and unordered[-1] == 1


def test_acheck_leaves_the_event_loop_free(fake_repl: str) -> None:
    async def main(checker: leancli.Checker) -> tuple[list[leancli.Result], int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.create_task(tick())
        results = await checker.acheck(["theorem t : True := trivial\n-- fake: sleep 1"])
        ticker.cancel()
        return results, ticks

    with leancli.Checker(repl=fake_repl, workers=1, timeout=30) as checker:
        results, ticks = asyncio.run(main(checker))
    assert [r.status for r in results] == [leancli.Status.PASS]
    assert ticks >= 5


def test_threads_calling_at_once_each_get_exactly_their_own_results(fake_repl: str) -> None:
    got: dict[int, list[leancli.Result]] = {}
    with leancli.Checker(repl=fake_repl, workers=2, timeout=30) as checker:

        def call(number: int) -> None:
            rows = [{"id": f"{number}-{n}", "code": f"theorem t{number}_{n} : True := trivial"}
                    for n in range(15)]  # fmt: skip
            got[number] = checker.check(rows)

        threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    for number, results in got.items():
        assert [r.id for r in results] == [f"{number}-{n}" for n in range(15)]
        assert [r.line for r in results] == list(range(1, 16))
    assert sorted(got) == [0, 1, 2, 3]


def test_snippets_are_strings_mappings_or_items(fake_repl: str) -> None:
    with leancli.Checker(repl=fake_repl, workers=1, template="{statement} {proof}") as checker:
        results = checker.check(
            [
                "theorem a : True := trivial",
                {"id": "m", "statement": "theorem b : True :=", "proof": "trivial"},
                leancli.Item(99, "i", "theorem c : True := trivial"),
                {"id": "x"},  # the template's fields are missing
                42,  # type: ignore[list-item]
            ]
        )
    assert [r.status.value for r in results] == ["pass", "pass", "pass", "invalid", "invalid"]
    assert [r.id for r in results[:3]] == [None, "m", "i"]


def test_first_pass_skips_the_samples_of_a_solved_problem(fake_repl: str) -> None:
    rows = [
        {"name": "p", "code": f"theorem p{n} : True := trivial\n-- fake: sleep 0.2"}
        for n in range(10)
    ]
    with leancli.Checker(repl=fake_repl, workers=1, first_pass="name") as checker:
        results = checker.check(rows)
    assert results[0].status is leancli.Status.PASS
    assert results[-1].status is leancli.Status.SKIPPED and results[-1].skipped_for == 1


def test_unknown_keywords_and_calls_after_close_are_refused(fake_repl: str) -> None:
    with pytest.raises(TypeError, match="worker"):
        leancli.Checker(repl=fake_repl, worker=2)
    checker = leancli.Checker(repl=fake_repl, workers=1)
    checker.close()
    with pytest.raises(CheckerClosed):
        checker.check(["theorem t : True := trivial"])


def _wait_until_gone(marker: str) -> list[int]:
    deadline = time.monotonic() + 15
    while leftover_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return leftover_processes(marker)


def test_closing_or_dropping_a_checker_stops_every_repl(fake_repl: str, tmp_path: Path) -> None:
    marker = f"{tmp_path}/marker"
    repl = f"{fake_repl} {marker}"
    with leancli.Checker(repl=repl, workers=2) as checker:
        checker.check(["theorem t : True := trivial"])
        assert leftover_processes(marker)
    assert _wait_until_gone(marker) == []
    dropped = leancli.Checker(repl=repl, workers=2)
    dropped.check(["theorem u : True := trivial"])
    del dropped
    gc.collect()
    assert _wait_until_gone(marker) == []


@pytest.mark.parametrize(
    ("keywords", "field"),
    [({"workers": "x"}, "workers"), ({"timeout": "5"}, "timeout"), ({"workers": 2.5}, "workers"),
     ({"audit": "yes"}, "audit"), ({"template": "{"}, "template"), ({"timeout": 0}, "timeout")],
)  # fmt: skip
def test_bad_keyword_values_are_config_errors_naming_them(
    fake_repl: str, keywords: dict[str, Any], field: str
) -> None:
    with pytest.raises(leancli.ConfigError) as caught:
        leancli.Checker(repl=fake_repl, **keywords)
    assert caught.value.option == field


def test_the_api_reads_snippets_as_the_cli_reads_lines(fake_repl: str) -> None:
    with leancli.Checker(repl=fake_repl, workers=1) as checker:
        nul, huge = checker.check(
            [
                "theorem t : True := trivial\x00",
                {"id": 10**30, "code": "theorem u : True := trivial"},
            ]
        )
    assert nul.status is leancli.Status.INVALID and "NUL" in (nul.error or "")
    assert huge.id == str(10**30) and huge.status is leancli.Status.PASS


def test_first_pass_is_per_call(fake_repl: str) -> None:
    rows = [{"p": "A", "code": f"theorem a{n} : True := trivial"} for n in range(3)]
    with leancli.Checker(repl=fake_repl, workers=1, first_pass="p") as checker:
        checker.check(rows[:1])
        later = checker.check(rows[1:])
    assert later[0].status is leancli.Status.PASS  # not skipped for another call's pass


def test_receipt_names_the_toolchain_and_hashes_the_snippets_as_a_jsonl_file_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import json
    import shutil

    from tests.helpers.common import TESTS
    from tests.helpers.toolchain_stubs import checkout

    binary = checkout(tmp_path / "repl", "v4.19.0")
    commit = "0123456789abcdef0123456789abcdef01234567"
    (tmp_path / "repl" / ".git").mkdir()
    (tmp_path / "repl" / ".git" / "HEAD").write_text(commit + "\n")  # detached
    project = tmp_path / "project"
    project.mkdir()
    manifest = TESTS / "data" / "projects" / "convex-eval" / "lake-manifest.json"
    shutil.copy(manifest, project / "lake-manifest.json")
    monkeypatch.chdir(project)  # where a REPL given without a project runs
    rows = [{"code": f"theorem t{n} : True := trivial"} for n in range(3)]
    rows.append({"code": "theorem s : True := sorry"})

    with leancli.Checker(repl=str(binary), workers=1, timeout=30, heartbeats=1000) as checker:
        checker.check(rows[:2])
        checker.check(rows[2:])
        receipt = checker.receipt()

    jsonl = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    assert receipt["inputs"] == [
        {"path": None, "sha256": hashlib.sha256(jsonl).hexdigest(), "bytes": len(jsonl)}
    ]
    assert receipt["counts"] == {"pass": 3, "sorry": 1} and receipt["complete"] is True
    assert receipt["lean"] == "v4.19.0" and receipt["repl"]["revision"] == commit
    assert receipt["mathlib"] == "f897ebcf72cd16f89ab4577d0c826cd14afaafc7"
    assert receipt["options"]["heartbeats"] == 1000
    assert receipt["leancli"] == leancli.__version__
    assert receipt["started"] <= receipt["ended"]


def test_receipt_of_a_checker_closed_with_snippets_in_flight_is_incomplete(
    fake_repl: str,
) -> None:
    checker = leancli.Checker(repl=fake_repl, workers=1, timeout=30)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            checker.check(["theorem t : True := trivial\n-- fake: sleep 5"])
        except CheckerClosed as exc:
            errors.append(exc)

    waiting = threading.Thread(target=call)
    waiting.start()
    deadline = time.monotonic() + 60
    while checker.receipt()["inputs"][0]["bytes"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the snippet is submitted
    checker.close()
    waiting.join(timeout=60)
    assert errors  # the call was cut short
    receipt = checker.receipt()
    assert receipt["complete"] is False and receipt["results"] == 0
