"""A Lean reward for TRL's GRPOTrainer, on one warm `leancli.Checker`.

    from trl import GRPOConfig, GRPOTrainer
    checker = leancli.Checker(workers=8, timeout=60, project="~/mathlib-project")
    trainer = GRPOTrainer(model=..., reward_funcs=[lean_reward(checker)], train_dataset=...)

The dataset has a `formal_statement` column (miniF2F / Goedel style, `header` optional);
each completion is the proof the model wrote after it. A completion earns 1.0 when Lean
accepts the whole file (no error, no sorry, only the standard axioms), else 0.0. The
REPLs and their `import Mathlib` stay loaded between training steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import leancli

Reward = Callable[..., list[float]]


def completion_text(completion: str | Sequence[dict[str, str]]) -> str:
    """TRL passes plain text, or (conversational datasets) a list of messages."""
    if isinstance(completion, str):
        return completion
    return "".join(message.get("content", "") for message in completion)


def lean_reward(checker: leancli.Checker) -> Reward:
    """`reward(completions, **kwargs) -> list[float]`, the signature GRPOTrainer calls."""

    def reward(completions: Sequence[str | Sequence[dict[str, str]]], **kwargs: Any) -> list[float]:
        statements = kwargs["formal_statement"]
        headers = kwargs.get("header") or [""] * len(statements)
        snippets = [
            f"{header}{statement}{completion_text(completion)}"
            for header, statement, completion in zip(headers, statements, completions, strict=True)
        ]
        results = checker.check(snippets)
        return [1.0 if result.status is leancli.Status.PASS else 0.0 for result in results]

    reward.__name__ = "lean_reward"  # TRL logs each reward under its function's name
    return reward
