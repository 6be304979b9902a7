"""leancli.rewards, called exactly as TRL's GRPOTrainer and verl's reward managers call
them (trl/trainer/grpo_trainer.py `_calculate_rewards`; verl/workers/reward_manager/
naive.py and batch.py), on real prover answers (tests/data/completions)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli import rewards
from leancli.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data"
ANSWERS = [
    orjson.loads(line)
    for line in (DATA / "completions" / "completions.jsonl").read_bytes().splitlines()
]
KIMINA = [row for row in ANSWERS if "kimina_extract_proof_from_text" in row]
FEW_SHOT = [
    orjson.loads(line)
    for line in (DATA / "datasets" / "deepseek_minif2f_valid_few_shot.jsonl")
    .read_bytes()
    .splitlines()
]


def _trl_call(reward: Any, completions: list[Any], **columns: list[Any]) -> list[float]:
    """As GRPOTrainer calls a reward function: every argument by keyword, the dataset's
    columns as lists, and what the trainer adds."""
    return reward(  # type: ignore[no-any-return]
        prompts=[[{"role": "user", "content": "prove it"}]] * len(completions),
        completions=completions,
        completion_ids=[[1, 2, 3]] * len(completions),
        trainer_state=object(),
        log_extra=lambda *args: None,
        log_metric=lambda *args: None,
        **columns,
    )


def test_trl_scores_conversational_chat_answers_on_their_last_lean_block(fake_repl: str) -> None:
    reward = rewards.TRLReward(repl=fake_repl, workers=1)
    try:
        completions = [[{"role": "assistant", "content": row["completion"]}] for row in KIMINA]
        prose = [{"role": "assistant", "content": "The answer is 9."}]
        scores = _trl_call(
            reward,
            [*completions, prose],
            name=[row["problem"]["name"] for row in KIMINA] + ["x"],
        )
    finally:
        reward.close()
    assert scores == [1.0] * len(KIMINA) + [0.0]
    assert reward.__name__ == "lean_reward"


def test_trl_fenced_proofs_after_the_statement_with_a_null_header(fake_repl: str) -> None:
    rows = FEW_SHOT[:2]
    completions = [f"Here is the proof:\n```lean4\n{row['formal_proof']}\n```" for row in rows]
    completions.append("```lean4\n  sorry\n```")
    reward = rewards.TRLReward(
        template="{header}import Mathlib\n{formal_statement}", sorry_reward=0.25,
        repl=fake_repl, workers=1,
    )  # fmt: skip
    try:
        statements = [row["formal_statement"] for row in rows] + [rows[0]["formal_statement"]]
        scores = _trl_call(reward, completions, formal_statement=statements, header=[None] * 3)
    finally:
        reward.close()
    assert scores == [1.0, 1.0, 0.25]


def test_trl_names_a_template_column_the_dataset_lacks(fake_repl: str) -> None:
    reward = rewards.TRLReward(template="{header}{formal_statement}", repl=fake_repl, workers=1)
    try:
        with pytest.raises(ConfigError, match="'header' is no column"):
            _trl_call(reward, ["x"], formal_statement=["theorem t : True := "])
    finally:
        reward.close()


@pytest.fixture
def verl_env(fake_repl: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEANCLI_REPL", fake_repl)
    monkeypatch.setenv("LEANCLI_WORKERS", "1")
    monkeypatch.setenv("LEANCLI_SORRY_REWARD", "0.5")
    yield
    rewards.close()


def test_verl_compute_score_as_the_naive_manager_calls_it(verl_env: None) -> None:
    row = KIMINA[0]
    score = rewards.compute_score(
        data_source="minif2f",
        solution_str=row["completion"],
        ground_truth=row["problem"]["formal_statement"],
        extra_info={"index": 0},
    )
    assert score == 1.0
    prose = rewards.compute_score(
        data_source="minif2f", solution_str="no code", ground_truth="", extra_info=None
    )
    assert prose == 0.0


def test_verl_compute_score_batch_with_a_template_from_ground_truth(
    verl_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEANCLI_TEMPLATE", "import Mathlib\n{ground_truth}")
    monkeypatch.setenv("LEANCLI_EXTRACT", "whole")
    rows = FEW_SHOT[:2]
    # verl passes numpy object arrays for data_sources and extra_infos; any sequence does.
    scores = rewards.compute_score_batch(
        data_sources=("minif2f", "minif2f", "minif2f"),
        solution_strs=[rows[0]["formal_proof"], rows[1]["formal_proof"], "  sorry"],
        ground_truths=[rows[0]["formal_statement"], rows[1]["formal_statement"],
                       rows[0]["formal_statement"]],
        extra_infos=[None, {"split": "valid"}, None],
    )  # fmt: skip
    assert scores == [1.0, 1.0, 0.5]


def test_verl_names_a_bad_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEANCLI_WORKERS", "many")
    with pytest.raises(ConfigError, match="LEANCLI_WORKERS='many'"):
        rewards.compute_score("s", "x", "y")
