"""The local pool through the Python API: exactly-once results under faults."""

from __future__ import annotations

import signal
import sys
import threading
import time
import types
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from leancli import CheckOptions, Item, ReplSpec, Status, check
from leancli.executors.base import Event, Finished, IdleWorker
from leancli.executors.local import LocalExecutor
from leancli.options import WorkerConfig
from leancli.records import Outcome, Task
from tests.helpers.common import read_jsonl, run_leancli, write_jsonl


def _options(fake_repl: str, **worker: object) -> CheckOptions:
    config = WorkerConfig(repl=ReplSpec.from_command(fake_repl), **worker)  # type: ignore[arg-type]
    return CheckOptions(worker=config, workers=2)


def test_a_thousand_snippets_over_two_workers_each_answered_once(fake_repl: str) -> None:
    items = [
        Item(
            line,
            f"p{line % 7}",
            f"import Mathlib\ntheorem t{line} : True := {'sorry' if line % 10 == 0 else 'trivial'}",
        )
        for line in range(1, 1001)
    ]
    results = list(check(items, _options(fake_repl)))
    assert sorted(r.line for r in results) == list(range(1, 1001))
    by_line = {r.line: r for r in results}
    assert all(by_line[n].status is (Status.SORRY if n % 10 == 0 else Status.PASS) for n in by_line)
    assert all(by_line[n].id == f"p{n % 7}" for n in by_line)


def test_a_worker_killed_mid_snippet_loses_nothing(fake_repl: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "repl.pid"
    items = [Item(n, str(n), f"example : True := trivial -- {n}") for n in range(1, 21)]
    items.insert(
        5,
        Item(
            100,
            "victim",
            f"-- fake: pidfile {pidfile}\n-- fake: sleep 2\nexample : True := trivial",
        ),
    )

    def kill_its_worker() -> None:
        deadline = time.monotonic() + 30
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        parent = psutil.Process(int(pidfile.read_text())).parent()
        assert parent is not None
        parent.send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_its_worker)
    killer.start()
    results = list(check(items, _options(fake_repl)))
    killer.join()
    assert sorted(r.line for r in results) == sorted(item.line for item in items)
    victim = next(r for r in results if r.line == 100)
    assert victim.status is Status.PASS  # retried once on a fresh worker


def test_a_snippet_that_always_kills_its_worker_ends_as_crash(fake_repl: str) -> None:
    items = [
        Item(1, "a", "example : True := trivial"),
        Item(2, "killer", "-- fake: kill-parent\nexample : True := trivial"),
        Item(3, "b", "example : 1 = 1 := rfl"),
    ]
    results = {r.line: r for r in check(items, _options(fake_repl))}
    assert results[2].status is Status.CRASH
    assert "worker process died (killed by SIGKILL); retried once" in (results[2].error or "")
    assert results[1].status is results[3].status is Status.PASS


def test_workers_are_recycled_after_max_tasks(fake_repl: str, import_log: Path) -> None:
    options = _options(fake_repl)
    items = [
        Item(n, str(n), f"import Mathlib\ntheorem t{n} : True := trivial") for n in range(1, 11)
    ]
    with LocalExecutor(options.worker, workers=1, max_tasks=3) as pool:
        results = list(check(items, options, executor=pool))
        spawned = pool.spawned
    assert len(results) == 10 and all(r.status is Status.PASS for r in results)
    assert spawned == 4  # replaced after 3, 6 and 9 snippets
    pids = Counter(line.split()[0] for line in import_log.read_text().splitlines())
    assert len(pids) == 4 and sorted(pids.values()) == [1, 1, 1, 1]


def test_identical_snippets_are_checked_once(fake_repl: str, import_log: Path) -> None:
    items = [
        Item(1, "a", "import Mathlib\ntheorem t : True := sorry"),
        Item(2, "b", "import Mathlib\r\ntheorem t : True := sorry   "),
        Item(3, "c", "import Mathlib\ntheorem t : True := trivial"),
        Item(4, "d", "import Mathlib\ntheorem t : True := sorry\n"),
    ]
    results = {r.line: r for r in check(items, _options(fake_repl))}
    assert [results[n].status for n in (1, 2, 3, 4)] == [
        Status.SORRY,
        Status.SORRY,
        Status.PASS,
        Status.SORRY,
    ]
    assert results[2].duplicate_of == 1 and results[4].duplicate_of == 1 and results[2].id == "b"
    assert results[1].duplicate_of is None and results[3].duplicate_of is None


def test_a_header_that_never_finishes_importing_is_not_retried_forever(
    fake_repl: str, import_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_REPL_IMPORT_SECONDS", "30")
    items = [
        Item(n, str(n), f"import Mathlib\ntheorem t{n} : True := trivial") for n in range(1, 9)
    ]
    items.append(Item(9, "plain", "theorem u : True := trivial"))
    started = time.monotonic()
    results = {r.line: r for r in check(items, _options(fake_repl, import_timeout=0.5))}
    assert time.monotonic() - started < 20
    assert all(results[n].status is Status.TIMEOUT for n in range(1, 9))
    assert results[9].status is Status.PASS
    tried = len([line for line in import_log.read_text().splitlines() if "Mathlib" in line])
    # Given up after two timeouts; the other worker may have been importing meanwhile.
    assert 2 <= tried <= 3
    given_up = sum("not tried again" in (results[n].error or "") for n in range(1, 9))
    assert given_up == 8 - tried


def test_no_process_outlives_the_run(fake_repl: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "repl.pid"
    items = [Item(1, "a", f"-- fake: pidfile {pidfile}\nexample : True := trivial")]
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    results = check(items, _options(fake_repl))
    assert next(results).status is Status.PASS
    repl = psutil.Process(int(pidfile.read_text()))
    worker = repl.parent()
    assert worker is not None
    # Both workers and their REPLs (multiprocessing's resource tracker lives on with
    # this process, whoever started it).
    started = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and "resource_tracker" not in " ".join(p.cmdline())
    ]
    assert {repl.pid, worker.pid} <= {p.pid for p in started}
    results.close()
    for process in (repl, worker):
        with pytest.raises(psutil.NoSuchProcess):
            process.wait(timeout=10)
            process.status()
    assert [p.pid for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []


def test_the_api_can_show_a_tqdm_bar(fake_repl: str, capsys: pytest.CaptureFixture[str]) -> None:
    items = [Item(n, str(n), f"theorem t{n} : True := trivial") for n in range(1, 6)]
    results = list(check(items, _options(fake_repl), progress=True))
    assert len(results) == 5
    err = capsys.readouterr().err
    assert "checking" in err and "5snippet" in err.replace(" ", "") and "pass=5" in err


class _OneWorker:
    """An executor stand-in that answers each task with `pass` on the next wait."""

    size = 1

    def __init__(self) -> None:
        self._task: Task | None = None

    def idle_workers(self) -> list[IdleWorker]:
        return [] if self._task else [IdleWorker(0, frozenset())]

    def submit(self, worker_id: int, task: Task) -> None:
        self._task = task

    def wait(self, timeout: float) -> list[Event]:
        task, self._task = self._task, None
        return [Finished(task, Outcome(Status.PASS, 0.0))] if task else []

    def recycle_largest_idle(self) -> bool:
        return False

    def abandon(self, keys: set[int]) -> None:
        pass

    def close(self) -> None:
        pass


def test_copies_of_a_snippet_in_flight_do_not_pile_up_in_memory(fake_repl: str) -> None:
    pulled = 0

    def source() -> Iterator[Item]:
        nonlocal pulled
        for line in range(1, 100_001):
            pulled += 1
            yield Item(line, None, "theorem t : True := trivial")

    results = check(source(), _options(fake_repl), executor=_OneWorker())  # type: ignore[arg-type]
    first = next(results)
    assert first.line == 1 and pulled <= 100  # read no further than the window
    assert sum(1 for _ in results) == 99_999


@pytest.mark.parametrize(
    ("warm", "quick_cue", "quick"),
    [
        (4, "-- fake: sleep 0.05\n", 30),  # two tasks per worker
        (200, "", 300),  # zero-cost snippets: each worker holds up to 16
    ],
)
def test_tasks_queued_behind_a_slow_one_are_taken_back_for_an_idle_worker(
    fake_repl: str, warm: int, quick_cue: str, quick: int
) -> None:
    warm_up = [Item(n, f"w{n}", f"theorem w{n} : True := trivial") for n in range(1, warm + 1)]
    slow_line = warm + 10
    slow = Item(slow_line, "slow", "-- fake: sleep 4\ntheorem s : True := trivial")
    after = range(slow_line + 1, slow_line + 1 + quick)
    quick_items = [Item(n, f"q{n}", f"{quick_cue}theorem q{n} : True := trivial") for n in after]
    options = _options(fake_repl)
    with LocalExecutor(options.worker, workers=2) as pool:
        results = list(check([*warm_up, slow, *quick_items], options, executor=pool))
        stolen = pool.stolen
    assert sorted(r.line for r in results) == [*range(1, warm + 1), slow_line, *after]
    assert all(r.status is Status.PASS for r in results)
    assert stolen >= 1  # something was queued behind the slow snippet ...
    assert results[-1].line == slow_line  # ... and did not wait for it


def test_workers_do_not_rerun_the_parents_main_script(
    fake_repl: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The `leancli` console script (or a user's evaluation script) is the parent's
    # __main__; a spawn child would run it again, with all it imports, before working.
    marker = tmp_path / "main-ran"
    script = tmp_path / "evaluate.py"
    script.write_text(f"open({str(marker)!r}, 'a').write('ran\\n')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    options = _options(fake_repl)
    items = [Item(n, None, f"theorem t{n} : True := trivial") for n in range(1, 5)]
    with LocalExecutor(options.worker, workers=2) as pool:
        results = list(check(items, options, executor=pool))
    assert sorted(r.status.value for r in results) == ["pass"] * 4
    assert not marker.exists()


# A stand-in REPL speaking the REPL's protocol, whose answer to any command holding
# BROKEN has the wrong shape: a message that is a string, not an object.
_MISSHAPEN_REPL = """
import json, sys
env, lines = -1, []
for line in sys.stdin:
    if line.strip():
        lines.append(line)
        continue
    if not lines:
        continue
    request, lines, env = json.loads("".join(lines)), [], env + 1
    answer = {"env": env}
    if "BROKEN" in request["cmd"]:
        answer["messages"] = ["not a message"]
    sys.stdout.write(json.dumps(answer, indent=2) + "\\n\\n")
    sys.stdout.flush()
"""


def test_a_misshapen_answer_crashes_its_snippet_and_the_worker_goes_on(tmp_path: Path) -> None:
    # Once a worker exception (AttributeError on the string): now the answer's shape is
    # checked where it is parsed, a crash of that snippet alone.
    script = tmp_path / "misshapen_repl.py"
    script.write_text(_MISSHAPEN_REPL)
    rows = [{"id": str(n), "code": f"example : True := trivial -- {n}"} for n in range(6)]
    rows.insert(2, {"id": "broken", "code": "example : True := trivial -- BROKEN"})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    repl = f"{sys.executable} {script}"
    done = run_leancli("check", str(source), "--repl", repl, "--no-audit", "--workers", "2")
    results = {r["id"]: r for r in read_jsonl(done.stdout)}
    assert sorted(results) == sorted(row["id"] for row in rows)  # the run went on
    broken = results.pop("broken")
    assert broken["status"] == "crash"
    assert broken["error"].startswith("REPL broke the protocol: REPL answer's messages holds")
    assert "retried" not in broken["error"]  # the worker did not die
    assert all(result["status"] == "pass" for result in results.values())
    assert "Traceback" not in done.stderr.decode()
