"""`--cache DIR`: a second run is answered from SQLite; only what cannot change is reused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from tests.helpers.common import read_jsonl, run_leancli, write_jsonl

ROWS = [
    {"id": "a", "code": "import Mathlib\ntheorem a : True := trivial"},
    {"id": "b", "code": "theorem thm1 : 1 = 1 := sorry"},
    {"id": "c", "code": "import Mathlib\ntheorem c : True := by\n  -- fake: error\n  trivial"},
    {"id": "d", "code": "-- fake: crash\ntheorem d : True := trivial"},
]


def _check(
    source: Path, cache: Path, fake_repl: str, log: Path, *args: str
) -> list[dict[str, Any]]:
    done = run_leancli(
        "check", str(source), "--repl", fake_repl, "--cache", str(cache), *args,
        env={"FAKE_REPL_LOG": str(log)},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return sorted(read_jsonl(done.stdout), key=lambda r: r["line"])


def test_a_second_run_comes_from_the_cache(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    cache, log = tmp_path / "cache", tmp_path / "log"
    first = _check(source, cache, fake_repl, log)
    assert [r["status"] for r in first] == ["pass", "sorry", "fail", "crash"]
    assert not any(r.get("cached") for r in first)
    log.unlink()
    second = _check(source, cache, fake_repl, log)
    assert [r.get("cached", False) for r in second] == [True, True, True, False]
    for before, after in zip(first[:3], second[:3], strict=True):
        for field in ("status", "messages", "sorries", "error", "axioms", "id", "line"):
            assert before.get(field) == after.get(field), field
    assert second[3]["status"] == "crash"  # a crash is not a verdict: checked again
    assert "Mathlib" not in (log.read_text() if log.exists() else "")  # no import needed


def test_options_that_change_a_verdict_or_another_repl_miss(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:1])
    cache, log = tmp_path / "cache", tmp_path / "log"
    _check(source, cache, fake_repl, log)
    assert _check(source, cache, fake_repl, log)[0].get("cached")
    assert not _check(source, cache, fake_repl, log, "--heartbeats", "100")[0].get("cached")
    assert not _check(source, cache, fake_repl, log, "--allow-native-decide")[0].get("cached")
    other_repl = f"{sys.executable} -X utf8 {fake_repl.split()[1]} --model"
    assert not _check(source, cache, other_repl, log)[0].get("cached")


def test_a_timeout_is_reused_only_by_runs_with_no_longer_timeout(
    tmp_path: Path, fake_repl: str
) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"code": "-- fake: sleep 1.5\nexample : True := trivial"}]
    )
    cache, log = tmp_path / "cache", tmp_path / "log"
    [short] = _check(source, cache, fake_repl, log, "--timeout", "0.5")
    assert short["status"] == "timeout"
    [again] = _check(source, cache, fake_repl, log, "--timeout", "0.5")
    assert again["status"] == "timeout" and again.get("cached")
    [longer] = _check(source, cache, fake_repl, log, "--timeout", "10")
    assert longer["status"] == "pass" and not longer.get("cached")


def test_cache_stats_and_clear(tmp_path: Path, fake_repl: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    cache, log = tmp_path / "cache", tmp_path / "log"
    _check(source, cache, fake_repl, log)
    stats = run_leancli("cache", "stats", str(cache), "--json")
    data = orjson.loads(stats.stdout)
    assert data["entries"] == 3 and data["by_status"] == {"pass": 1, "sorry": 1, "fail": 1}
    cleared = run_leancli("cache", "clear", str(cache))
    assert cleared.returncode == 0 and b"removed 3" in cleared.stderr
    assert orjson.loads(run_leancli("cache", "stats", str(cache), "--json").stdout)["entries"] == 0


def test_two_runs_can_share_one_cache_at_once(tmp_path: Path, fake_repl: str) -> None:
    rows = [{"id": str(n), "code": f"theorem t{n} : True := trivial"} for n in range(150)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "leancli", "check", str(source), "--repl", fake_repl,
               "--cache", str(cache), "-w", "1"]  # fmt: skip
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert len(read_jsonl(out)) == 150


def test_allow_eval_is_part_of_what_a_cached_verdict_depends_on() -> None:
    from dataclasses import replace

    from leancli.options import AuditOptions, CheckOptions, ReplSpec, WorkerConfig
    from leancli.run.cache import verdict_options

    plain = CheckOptions(worker=WorkerConfig(repl=ReplSpec(argv=("repl",))))
    admitted = replace(plain, worker=replace(plain.worker, audit=AuditOptions(allow_eval=True)))
    assert verdict_options(plain) != verdict_options(admitted)


def test_clearing_a_damaged_cache_removes_it_without_a_traceback(tmp_path: Path) -> None:
    from leancli.run.cache import DATABASE

    (tmp_path / DATABASE).write_text("garbage, not SQLite\n")
    done = run_leancli("cache", "clear", str(tmp_path))
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert not (tmp_path / DATABASE).exists()
