"""Verdicts you can trust: the axiom audit and the refusals, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.config import CheckRequest, lean_options
from leancli.errors import ConfigError
from leancli.records import Task
from leancli.run.schedule import Scheduler
from leancli.toolchain.discovery import Discovery
from leancli.toolchain.versions import LeanVersion
from tests.helpers.common import check_rows, run_leancli, write_jsonl

_run = check_rows


def test_a_passing_snippet_records_its_audited_axioms(tmp_path: Path, fake_repl: str) -> None:
    [result] = _run(tmp_path, fake_repl, [{"code": "theorem t : True := trivial"}])
    assert result["status"] == "pass"
    assert result["axioms"] == {"t": ["propext", "Classical.choice", "Quot.sound"]}


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("axiom cheat : False\ntheorem t : 1 = 2 := cheat.elim", "cheat"),
        ("set_option debug.skipKernelTC true\ntheorem t : 1 = 2 := by decide", "skipKernelTC"),
        (
            'macro_rules | `(#print axioms $x) => `(#eval IO.println "ok")\n'
            "theorem t : 1 = 2 := sorry",
            "`#print axioms` another meaning",
        ),
    ],
)
def test_cheats_are_refused_whatever_lean_says(
    tmp_path: Path, fake_repl: str, code: str, reason: str
) -> None:
    [result] = _run(tmp_path, fake_repl, [{"code": code}])
    assert result["status"] == "fail"
    assert result["error"].startswith("refused") and reason in result["error"]


def test_native_decide_fails_unless_allowed(tmp_path: Path, fake_repl: str) -> None:
    rows = [{"code": "theorem t : 2 + 2 = 4 := by native_decide"}]
    [refused] = _run(tmp_path, fake_repl, rows)
    assert refused["status"] == "fail" and "Lean.ofReduceBool" in refused["error"]
    [allowed] = _run(tmp_path, fake_repl, rows, "--allow-native-decide")
    assert allowed["status"] == "pass"


def test_a_hidden_sorry_is_found_without_any_warning(tmp_path: Path, fake_repl: str) -> None:
    code = "-- fake: axioms t=propext,sorryAx\ntheorem t : True := trivial"
    [result] = _run(tmp_path, fake_repl, [{"code": code}])
    assert result["messages"] == [] and result["status"] == "sorry"
    assert "sorryAx" in result["error"]


def test_unknown_axioms_fail_unless_allowed_and_no_audit_skips(
    tmp_path: Path, fake_repl: str
) -> None:
    rows = [{"code": "-- fake: axioms t=propext,MyAxiom\ntheorem t : True := trivial"}]
    [failed] = _run(tmp_path, fake_repl, rows)
    assert failed["status"] == "fail" and "`t` depends on axiom `MyAxiom`" in failed["error"]
    [allowed] = _run(tmp_path, fake_repl, rows, "--allow-axiom", "MyAxiom")
    assert allowed["status"] == "pass"
    [unaudited] = _run(tmp_path, fake_repl, rows, "--no-audit")
    assert unaudited["status"] == "pass" and "axioms" not in unaudited


def test_a_changed_statement_fails(tmp_path: Path, fake_repl: str) -> None:
    statement = "theorem t (n : Nat) : n + 0 = n := by"
    rows = [
        {"id": "kept", "statement": statement, "code": f"{statement}\n  simp"},
        {
            "id": "weakened",
            "statement": statement,
            "code": "theorem t (n : Nat) : n = n := by\n  rfl",
        },
    ]
    results = _run(tmp_path, fake_repl, rows, "--statement-field", "statement")
    assert [r["status"] for r in results] == ["pass", "fail"]
    assert results[1]["error"].startswith("statement changed")


def test_elab_async_is_refused_before_v4_19(tmp_path: Path, fake_repl: str) -> None:
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.18.0\n")
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "example : True := trivial"}])
    done = run_leancli(
        "check", str(source), "--repl", fake_repl, "--project", str(tmp_path), "--elab-async"
    )
    assert done.returncode == 2 and b"--elab-async needs Lean v4.19.0" in done.stderr


def test_elab_async_is_sent_only_where_the_option_exists() -> None:
    old = Discovery(toolchain_version=LeanVersion.parse("v4.18.0"))
    new = Discovery(toolchain_version=LeanVersion.parse("v4.20.0"))
    unknown = Discovery()
    assert lean_options(old, CheckRequest(elab_async=False, incremental=False)).elab_async is None
    assert lean_options(new, CheckRequest(elab_async=False, incremental=False)).elab_async is False
    assert lean_options(new, CheckRequest(elab_async=True, incremental=False)).elab_async is True
    assert (
        lean_options(unknown, CheckRequest(elab_async=False, incremental=False)).elab_async is None
    )
    with pytest.raises(ConfigError):
        lean_options(old, CheckRequest(elab_async=True, incremental=False))
    plain = Discovery(supports_incremental=False)
    with pytest.raises(ConfigError, match="setup --fork"):
        lean_options(plain, CheckRequest(elab_async=False, incremental=True))


def test_incremental_sends_the_field_and_keeps_samples_of_a_problem_together(
    tmp_path: Path, fake_repl: str
) -> None:
    log = tmp_path / "log"
    rows = [{"id": f"p{n % 3}", "code": f"theorem t{n} : True := trivial"} for n in range(12)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli(
        "check", str(source), "--repl", fake_repl, "--incremental", env={"FAKE_REPL_LOG": str(log)}
    )
    assert done.returncode == 0, done.stderr
    assert len([line for line in log.read_text().splitlines() if " incremental " in line]) == 12


def test_scheduler_prefers_the_group_a_worker_just_ran() -> None:
    scheduler = Scheduler()
    for key, group in enumerate(["a", "b", "a", "b", "a"]):
        scheduler.add(Task(key, "", "body", 0, group=group))
    picked = [scheduler.pick((), "b"), scheduler.pick((), "b"), scheduler.pick((), "b")]
    assert [task.group for task in picked if task] == ["b", "b", "a"]
