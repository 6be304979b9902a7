"""Adversary adv-run (issue 22): a REPL that never received a snippet, --resume of a
--first-pass run and of a kernel timeout, snippets that declare nothing. Each comment
quotes the requirement the test holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl

OK = "theorem a : True := trivial"
HONEST = "theorem t : True := trivial"
PASS_ENV = "FAKE_REPL_*,STAND_IN_*,STUB_*,LEANCLI_SIMULATED_*"
# DeepSeek-Prover / Goedel / Kimina's preamble: what a prover writes before its theorem.
PREAMBLE = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
    "open BigOperators Real Nat Topology Rat\n\n"
)


@pytest.fixture(autouse=True)
def _variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEANCLI_PASS_ENV", PASS_ENV)


# Issue 22, defect 17 ("A REPL that closes its stdin ...") and README: "every input line
# gets exactly one result", a verdict on *its* snippet. A REPL that closed its input after
# answering snippet a never received snippet b (the write failed with EPIPE), yet b is
# answered `crash` ("REPL closed its input") instead of being checked on a fresh REPL, as
# a task whose worker died is ("retried once on a fresh worker"). One snippet decides
# another's verdict.
def test_a_snippet_the_repl_never_received_is_checked_on_a_fresh_repl(tmp_path: Path) -> None:
    closer = "theorem a : True := by\n  -- fake: close-stdin\n  trivial"
    rows = [{"id": "a", "code": closer}, {"id": "b", "code": "theorem b : True := trivial"}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-w", "1", "--timeout", "5",
        "--no-progress",
    )  # fmt: skip
    statuses = {r["id"]: (r["status"], r.get("error")) for r in read_jsonl(done.stdout)}
    assert statuses["b"][0] == "pass", statuses


# Issue 22, section 1 ("`--resume` after a SIGKILL ...") and README: "`--resume` picks up
# an interrupted run". Resuming a *finished*, unchanged `--first-pass` run checks again
# samples that were skipped (the kept pass is not counted as its problem's), so every
# resume of a best-of-n run pays for new checks and rewrites its results.
def test_resuming_a_finished_first_pass_run_checks_nothing_again(tmp_path: Path) -> None:
    rows = [{"id": "p", "problem": "p", "code": OK}]
    rows += [
        {"id": "p", "problem": "p", "code": f"theorem b{i} : True := trivial"} for i in range(4)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    common = ("check", str(source), "-o", str(output), "--repl", FAKE_REPL_COMMAND, "-w", "1")
    first = run_leancli(*common, "--first-pass", "problem", "--no-progress")
    assert first.returncode == 0, first.stderr
    before = read_jsonl(output.read_bytes())
    assert [r["status"] for r in before] == ["pass"] + ["skipped"] * 4
    again = run_leancli(*common, "--first-pass", "problem", "--resume", "--no-progress")
    assert again.returncode == 0, again.stderr
    after = sorted(read_jsonl(output.read_bytes()), key=lambda r: r["line"])
    assert [r["status"] for r in after] == ["pass"] + ["skipped"] * 4, after


# Issue 22, defect 15: "An empty, comment-only or import-only snippet is a `pass` with no
# declaration checked: a truncated model output scores as proved. It is `invalid`
# ("nothing to check")." A model's answer cut off by the token limit right after its
# preamble (imports, `set_option`, `open`) declares nothing either; Lean accepts those
# commands silently (Lean/Elab/BuiltinCommand.lean: `open`, `set_option`, `namespace`,
# `section`, `end`, `universe`, `variable` add no declaration), and leancli says `pass`
# with `"axioms": {}`, exit 0.
@pytest.mark.parametrize(
    "answer",
    [
        # Kimina-Prover style: the lean4 block cut off after the preamble.
        "Here is the proof.\n```lean4\n" + PREAMBLE,
        # The whole block holds only the preamble.
        "```lean4\n" + PREAMBLE + "```\n",
    ],
    ids=["cut-off", "preamble-only-block"],
)
def test_a_truncated_answer_that_declares_nothing_is_not_a_pass(
    tmp_path: Path, answer: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "amc12a_2019_p21", "output": answer}])
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "--code-field", "output",
        "--extract", "last-block", "--no-progress",
    )  # fmt: skip
    [result] = read_jsonl(done.stdout)
    assert result["status"] == "invalid", result
    assert "nothing to check" in result.get("error", ""), result
    assert done.returncode == 1


@pytest.mark.parametrize(
    "code",
    [
        "set_option maxHeartbeats 400000\nopen BigOperators Real Nat",
        "namespace Foo\nend Foo",
        "section\nvariable (x : Nat)\nend",
        "universe u",
    ],
)
def test_a_snippet_of_commands_that_declare_nothing_is_nothing_to_check(
    tmp_path: Path, code: str
) -> None:
    # Same requirement (defect 15): no declaration is checked, so nothing is proved.
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "x", "code": "import Mathlib\n" + code}])
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "--no-progress")
    [result] = read_jsonl(done.stdout)
    assert result["status"] == "invalid", result
    assert done.returncode == 1


def _kernel_run(source: Path, *args: str, cost: str) -> list[dict[str, object]]:
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "--trust", "kernel",
        "--no-progress", *args, env={"LEANCLI_SIMULATED_CHECKER_COST": cost},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return read_jsonl(done.stdout)


# Issue 22, defect 9: "results computed under a shorter `--timeout` (or another `--repl`,
# `--project`, `--heartbeats`) are kept as they are". `--kernel-timeout` is such a
# timeout: a `--resume` with a longer one keeps the old kernel-replay `timeout`.
def test_resume_checks_again_a_kernel_timeout_under_a_longer_kernel_timeout(
    tmp_path: Path,
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "code": HONEST}])
    output = tmp_path / "out.jsonl"
    common = ("--checker", "simulated", "-o", str(output))
    _kernel_run(source, *common, "--kernel-timeout", "1", cost="3")
    assert read_jsonl(output.read_bytes())[0]["status"] == "timeout"
    _kernel_run(source, *common, "--kernel-timeout", "60", "--resume", cost="0")
    [result] = read_jsonl(output.read_bytes())
    assert result["status"] == "pass", result
