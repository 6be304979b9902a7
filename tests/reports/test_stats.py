"""Tests for `leancli.reports.stats` and the `leancli stats` command."""

from __future__ import annotations

import json
from math import comb
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leancli.cli import app
from leancli.reports.stats import (
    StatsError,
    collect,
    pass_at_k,
    pass_at_k_values,
)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 1, 1, 0.25),
        (4, 1, 2, 0.5),
        (4, 1, 4, 1.0),
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (5, 0, 3, 0.0),
        (5, 5, 1, 1.0),
        (8, 3, 4, 1 - 5 / 70),  # 1 - C(5,4)/C(8,4)
    ],
)
def test_pass_at_k_hand_computed(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_matches_binomials_and_is_stable_for_large_n() -> None:
    for n in range(1, 12):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - comb(n - c, k) / comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)
    # C(10000, 5000) overflows a float; the product form does not.
    assert pass_at_k(10_000, 1, 5_000) == pytest.approx(0.5)


@pytest.mark.parametrize(("n", "c", "k"), [(4, 5, 1), (4, 1, 0), (4, 1, 5), (3, -1, 1)])
def test_pass_at_k_rejects_out_of_range(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_k_values() -> None:
    assert pass_at_k_values(0) == []
    assert pass_at_k_values(1) == [1]
    assert pass_at_k_values(8) == [1, 2, 4, 8]
    assert pass_at_k_values(10) == [1, 2, 4, 8, 10]


def _line(status: str, id_: Any = "p", time: float = 1.0, **extra: Any) -> str:
    return json.dumps({"id": id_, "line": 1, "status": status, "time": time, **extra})


def test_summary_counts_times_and_pass_at_k() -> None:
    lines = [
        # problem a: 4 samples, 1 passing
        _line("pass", "a", 1.0),
        _line("fail", "a", 2.0),
        _line("sorry", "a", 3.0),
        _line("timeout", "a", 4.0),
        # problem b: 5 samples, 2 passing (one a duplicate), plus an invalid line
        _line("pass", "b", 5.0),
        _line("pass", "b", 6.0, duplicate_of=5),
        _line("fail", "b", 7.0),
        _line("crash", "b", 8.0),
        _line("memory", "b", 9.0),
        _line("invalid", "b", 10.0),
        "",  # blank lines are skipped
    ]
    summary = collect(lines).summary()
    assert summary["results"] == 10
    assert summary["status"] == {
        "pass": 3,
        "fail": 2,
        "sorry": 1,
        "timeout": 1,
        "memory": 1,
        "crash": 1,
        "invalid": 1,
        "skipped": 0,
    }
    # Nearest rank over 1..10: p50 = 5th, p90 = 9th, p99 = 10th value.
    assert summary["time"] == {"p50": 5.0, "p90": 9.0, "p99": 10.0, "max": 10.0, "total": 55.0}
    # The invalid line is a failed sample, as papers count it: b has n = 6, c = 2.
    assert summary["samples"] == {"min": 4, "max": 6}
    assert summary["groups"] == 2
    assert summary["solved"] == 2
    expected = {
        "1": (0.25 + 2 / 6) / 2,
        "2": (0.5 + (1 - 6 / 15)) / 2,  # 1 - C(4,2)/C(6,2)
        "4": (1.0 + (1 - 1 / 15)) / 2,  # 1 - C(4,4)/C(6,4)
    }
    assert summary["pass_at_k"] == pytest.approx(expected)


def test_group_by_other_field_and_ungrouped() -> None:
    lines = [
        _line("pass", "x", model="m1"),
        _line("fail", "y", model="m1"),
        _line("fail", "x", model=2),
        _line("pass", "y"),  # no `model`: left out of pass@k, still counted
    ]
    summary = collect(lines, by="model").summary()
    assert summary["results"] == 4
    assert summary["groups"] == 2
    assert summary["ungrouped"] == 1
    assert summary["samples"] == {"min": 1, "max": 2}
    assert summary["pass_at_k"] == pytest.approx({"1": (0.5 + 0.0) / 2})


def test_empty_input() -> None:
    summary = collect([]).summary()
    assert summary["results"] == 0
    assert summary["time"] is None
    assert summary["pass_at_k"] == {}


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[1, 2]",
        '{"id": "a"}',
        '{"status": "great"}',
        '{"status": "pass", "time": "1"}',
    ],
)
def test_bad_line_names_its_number(bad: str) -> None:
    with pytest.raises(StatsError) as info:
        collect([_line("pass"), "", bad, _line("fail")])
    assert info.value.line == 3


# --- CLI ---------------------------------------------------------------------------------

runner = CliRunner()


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


RESULTS = [
    _line("pass", "a", 1.0),
    _line("fail", "a", 2.0),
    _line("fail", "b", 3.0),
    _line("fail", "b", 4.0),
]


def test_cli_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", str(_write(tmp_path, RESULTS)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"]["pass"] == 1
    assert data["status"]["fail"] == 3
    assert data["time"]["total"] == pytest.approx(10.0)
    assert data["pass_at_k"] == pytest.approx({"1": 0.25, "2": 0.5})


def test_cli_stdin() -> None:
    result = runner.invoke(app, ["stats", "-", "--json", "--by", "line"], input="\n".join(RESULTS))
    assert result.exit_code == 0, result.output
    # Every line has "line": 1, so all four results form one group.
    assert json.loads(result.stdout)["groups"] == 1


def test_cli_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", str(_write(tmp_path, RESULTS))])
    assert result.exit_code == 0, result.output
    for text in ("pass@k", "p50", "0.2500", "0.5000", "k <= 2"):
        assert text in result.stdout


def test_cli_bad_line_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, [*RESULTS[:2], '{"id": "a", "time": 1}', *RESULTS[2:]])
    result = runner.invoke(app, ["stats", str(path)])
    assert result.exit_code == 2
    assert "line 3" in result.stderr
    assert result.stdout == ""


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.stderr


def test_k_any_list_and_the_exact_cases() -> None:
    # a: n=3, c=0 (an invalid null generation among them); b: n=3, c=3; c: n=5, c=1.
    lines = [_line(s, "a") for s in ("fail", "invalid", "timeout")]
    lines += [_line("pass", "b") for _ in range(3)]
    lines += [_line(s, "c") for s in ("pass", "crash", "memory", "sorry", "fail")]
    summary = collect(lines, ks=[1, 3, 5]).summary()
    # c = 0 gives 0, n - c < k gives 1, else 1 - C(n-c,k)/C(n,k): c at k=3 is 1 - C(4,3)/C(5,3).
    assert summary["pass_at_k"] == pytest.approx({"1": (0 + 1 + 1 / 5) / 3, "3": (0 + 1 + 0.6) / 3})
    assert "pass@5 is undefined: a problem has only 3 samples" in summary["pass_at_k_note"]


def test_cli_k_option_and_its_error(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(_line(s, "a") for s in ("pass", "fail", "fail")) + "\n")
    done = CliRunner().invoke(app, ["stats", str(path), "--k", "3,1", "--json"])
    assert json.loads(done.stdout)["pass_at_k"] == pytest.approx({"1": 1 / 3, "3": 1.0})
    bad = CliRunner().invoke(app, ["stats", str(path), "--k", "1,x"])
    assert bad.exit_code == 2 and "'x' is not a whole number" in bad.stderr
    superscript = CliRunner().invoke(app, ["stats", str(path), "--k", "\u00b2"])
    assert superscript.exit_code == 2
    assert superscript.stderr == "error: --k '\u00b2': '\u00b2' is not a whole number >= 1\n"


def test_cli_k_given_twice_asks_for_both(tmp_path: Path) -> None:
    # Regression (adv-trainers): the second --k silently replaced the first.
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(_line(s, "a") for s in ("pass", "fail", "fail")) + "\n")
    done = CliRunner().invoke(app, ["stats", str(path), "--k", "1", "--k", "3", "--json"])
    assert json.loads(done.stdout)["pass_at_k"] == pytest.approx({"1": 1 / 3, "3": 1.0})


def test_stats_reports_cost_percentiles_restarts_and_the_slowest_problems() -> None:
    lines = [
        _line("pass", f"p{n}", float(n), cpu=n / 10, peak_rss_mb=100.0 * n, restarts=n % 2)
        for n in range(1, 11)
    ]
    lines.append(_line("invalid", "q", 0.0))  # no REPL ran: no cost
    cost = collect(lines).summary()["cost"]
    assert cost["cpu"] == pytest.approx({"p50": 0.5, "p90": 0.9, "p99": 1.0, "max": 1.0})
    assert cost["peak_rss_mb"]["max"] == 1000.0
    assert cost["restarts"] == 5
    assert [row["problem"] for row in cost["slowest"]] == ["p10", "p9", "p8", "p7", "p6"]
