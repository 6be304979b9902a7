"""leancli.rewards called as TRL and verl call them: the columns the options name, an
empty completion, a template field no row has, a forked process (issue 23 item 2;
regressions found by adv-trainers)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

import leancli
import leancli.rewards
from leancli.errors import ConfigError
from tests.helpers.common import FAKE_REPL_COMMAND, REPO

FENCE = "`" * 3
STATEMENT = "theorem t1 : 2 + 2 = 4 := by\n"
# A chat answer with the whole file in its last ```lean4 block (Kimina-Prover,
# DeepSeek-Prover-V2, Goedel-Prover-V2 style), which proves the statement.
WHOLE_FILE_ANSWER = f"Here is the proof.\n{FENCE}lean4\n{STATEMENT}  norm_num\n{FENCE}\n"
# The same, restating the theorem with an easier statement (reward hacking).
RESTATED_ANSWER = f"Here is the proof.\n{FENCE}lean4\ntheorem t1 : True := trivial\n{FENCE}\n"


def test_trl_reward_with_statement_field_rewards_a_correct_whole_file_proof() -> None:
    # Issue 23, item 2: "TRLReward(**checker_options)" — every Checker option, and
    # `statement_field` (the README's guard against "a changed statement") is one. The
    # dataset column it names is passed by GRPOTrainer as a keyword column, but TRLReward
    # builds its rows from the template's fields only, so every row lacks it: the correct
    # proof scores 0.0 (invalid: "statement field 'formal_statement' is missing").
    reward = leancli.rewards.TRLReward(
        repl=FAKE_REPL_COMMAND, workers=1, statement_field="formal_statement"
    )
    try:
        scores = reward(
            prompts=["p", "p"],
            completions=[WHOLE_FILE_ANSWER, RESTATED_ANSWER],
            completion_ids=[[1], [2]],
            formal_statement=[STATEMENT, STATEMENT],
            trainer_state=None,
        )
    finally:
        reward.close()
    assert scores == [1.0, 0.0]


def test_trl_reward_whole_mode_gives_no_reward_to_an_empty_completion() -> None:
    # Issue 23, item 1: "An answer with no block is `invalid` ('no lean block'), never
    # checked as prose", and item 3 counts "a null generation" as a failure. With
    # extract="whole" an empty (or None) completion is checked as an empty Lean file,
    # which Lean accepts with no message: `pass`, reward 1.0 for generating nothing.
    reward = leancli.rewards.TRLReward(repl=FAKE_REPL_COMMAND, workers=1, extract="whole")
    try:
        scores = reward(prompts=["p", "p", "p"], completions=["", None, "\n\n"])
    finally:
        reward.close()
    assert scores == [0.0, 0.0, 0.0]


def test_verl_compute_score_with_a_template_field_no_row_has_raises_config_error() -> None:
    # Issue 23, item 2 (verl: "configured from LEANCLI_* environment variables") and the
    # docs: "A bad value raises ConfigError naming the variable" (TRLReward does so for a
    # template column the dataset lacks). A LEANCLI_TEMPLATE naming a field that neither
    # ground_truth, data_source nor extra_info holds scores every correct proof 0.0, silently.
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        import leancli.rewards as R
        from leancli.errors import ConfigError
        try:
            answer = {WHOLE_FILE_ANSWER!r}
            score = R.compute_score("minif2f", answer, "gt", extra_info={{"index": 0}})
        except ConfigError as exc:
            print("ConfigError", exc)
        else:
            print("score", score)
        """
    )
    env = {
        **os.environ,
        "LEANCLI_REPL": FAKE_REPL_COMMAND,
        "LEANCLI_WORKERS": "1",
        "LEANCLI_TEMPLATE": "{formal_statement}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert "ConfigError" in done.stdout and "formal_statement" in done.stdout, (
        done.stdout + done.stderr
    )


def _score_in_forked_child() -> float:
    return leancli.rewards.compute_score("minif2f", WHOLE_FILE_ANSWER + "\n", "gt")


def test_verl_compute_score_works_in_a_process_forked_after_the_first_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 23, item 2: "both on one warm `Checker` per process", and the brief's "a
    # process that forks": verl's PrimeRewardManager calls compute_score in a
    # ProcessPoolExecutor (verl/workers/reward_manager/prime.py), forked on Linux. A child
    # forked after the parent scored once inherits the module's Checker without its
    # run-loop thread: compute_score in the child waits for ever.
    monkeypatch.setenv("LEANCLI_REPL", FAKE_REPL_COMMAND)
    monkeypatch.setenv("LEANCLI_WORKERS", "1")
    monkeypatch.delenv("LEANCLI_TEMPLATE", raising=False)
    leancli.rewards.close()
    try:
        assert leancli.rewards.compute_score("minif2f", WHOLE_FILE_ANSWER, "gt") == 1.0
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        future = pool.submit(_score_in_forked_child)
        try:
            assert future.result(timeout=30) == 1.0
        except FutureTimeout:
            pytest.fail("compute_score hung in a forked child")
        finally:
            for process in list(pool._processes.values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
    finally:
        leancli.rewards.close()


def test_trl_reward_names_a_statement_column_the_dataset_lacks() -> None:
    reward = leancli.rewards.TRLReward(
        repl=FAKE_REPL_COMMAND, workers=1, statement_field="formal_statement"
    )
    try:
        with pytest.raises(ConfigError, match="statement_field: field 'formal_statement'"):
            reward(prompts=["p"], completions=[WHOLE_FILE_ANSWER], problem=["x"])
    finally:
        reward.close()


@pytest.fixture
def verl_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in leancli.rewards.VERL_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEANCLI_REPL", FAKE_REPL_COMMAND)
    monkeypatch.setenv("LEANCLI_WORKERS", "1")
    leancli.rewards.close()
    yield
    leancli.rewards.close()


def test_verl_statement_field_guards_against_a_restated_theorem(
    verl_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEANCLI_STATEMENT_FIELD", "ground_truth")
    scores = leancli.rewards.compute_score_batch(
        data_sources=["minif2f", "minif2f"],
        solution_strs=[WHOLE_FILE_ANSWER, RESTATED_ANSWER],
        ground_truths=[STATEMENT, STATEMENT],
    )
    assert scores == [1.0, 0.0]


def test_verl_names_a_statement_field_no_row_has(
    verl_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEANCLI_STATEMENT_FIELD", "formal_statement")
    with pytest.raises(ConfigError, match="LEANCLI_STATEMENT_FIELD names the field"):
        leancli.rewards.compute_score("minif2f", WHOLE_FILE_ANSWER, "gt", {"index": 0})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_verl_refuses_a_sorry_reward_that_is_not_finite(
    verl_env: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LEANCLI_SORRY_REWARD", value)
    with pytest.raises(ConfigError, match="is not a finite number"):
        leancli.rewards.compute_score("minif2f", WHOLE_FILE_ANSWER, "gt")


def test_trl_reward_names_a_preamble_column_the_dataset_lacks() -> None:
    reward = leancli.rewards.TRLReward(
        repl=FAKE_REPL_COMMAND,
        workers=1,
        statement_field="formal_statement",
        preamble_field="header",
    )
    try:
        with pytest.raises(ConfigError, match="preamble_field: field 'header'"):
            reward(prompts=["p"], completions=[WHOLE_FILE_ANSWER], formal_statement=[STATEMENT])
        # With the column, the statement is read under it.
        scores = reward(
            prompts=["p"],
            completions=[WHOLE_FILE_ANSWER],
            formal_statement=[STATEMENT],
            header=["\n"],
        )
        assert scores == [1.0]
    finally:
        reward.close()


def test_checker_preamble_field_needs_a_statement_field() -> None:
    with pytest.raises(ConfigError, match="preamble_field: needs statement_field"):
        leancli.Checker(repl=FAKE_REPL_COMMAND, workers=1, preamble_field="header")


def test_every_verl_variable_is_documented() -> None:
    documented = (REPO / "docs" / "python-api.md").read_text()
    assert [name for name in leancli.rewards.VERL_ENVIRONMENT if name not in documented] == []
