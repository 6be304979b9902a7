"""A Lean reward for TRL's GRPOTrainer: `leancli.rewards.TRLReward`, one warm Checker.

The dataset has `header` and `formal_statement` columns (miniF2F / Goedel style; a null
header is empty); the model answers in chat with a ```lean4 block holding the proof
that follows the statement. 1.0 when Lean accepts header + statement + proof, 0.25 for a
proof with `sorry`, else 0.0 (an answer with no lean block included).
"""

from __future__ import annotations

from typing import Any

import leancli.rewards


def lean_reward(**checker_options: Any) -> leancli.rewards.TRLReward:
    return leancli.rewards.TRLReward(
        template="{header}{formal_statement}",
        extract="last-block",
        sorry_reward=0.25,
        **checker_options,
    )


if __name__ == "__main__":
    from trl import GRPOConfig, GRPOTrainer  # type: ignore[import-not-found]

    reward = lean_reward(workers=8, timeout=60, project="~/mathlib-project")
    trainer = GRPOTrainer(model="...", reward_funcs=[reward], args=GRPOConfig(), train_dataset=...)
    trainer.train()
