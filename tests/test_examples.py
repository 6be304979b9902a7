"""The examples in examples/ run as their docstrings say, against the simulated REPL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import leancli
from tests.helpers.common import FAKE_REPL_COMMAND, REPO, write_jsonl

sys.path.insert(0, str(REPO / "examples"))

from grpo_reward import lean_reward
from pass_at_k import evaluate


def test_the_grpo_reward_scores_each_completion(fake_repl: str) -> None:
    statements = ["theorem a : True := ", "theorem b : True := ", "theorem c : 1 = 1 := "]
    # Plain text, and the conversational form TRL passes for chat datasets.
    completions = [
        "```lean4\ntrivial\n```",
        [{"role": "assistant", "content": "```lean4\nsorry\n```"}],
        "```lean4\nby\n  -- fake: error\n```",
    ]
    reward = lean_reward(repl=fake_repl, workers=2)
    try:
        scores = reward(
            prompts=["..."] * 3, completions=completions, formal_statement=statements,
            header=[None] * 3,
        )  # fmt: skip
        again = reward(completions=completions[:1], formal_statement=statements[:1], header=[""])
    finally:
        reward.close()
    assert scores == [1.0, 0.25, 0.0]
    assert again == [1.0]
    assert reward.__name__ == "lean_reward"


def test_the_verl_example_names_the_functions_verl_loads() -> None:
    import verl_reward

    import leancli.rewards

    assert verl_reward.compute_score is leancli.rewards.compute_score
    assert verl_reward.compute_score_batch is leancli.rewards.compute_score_batch


def _samples(seconds: float = 0.0) -> list[dict[str, object]]:
    # Problem p: 1 of 4 samples proves it; problem q: none of 4.
    proofs = {"p": ["sorry", "trivial", "sorry", "sorry"], "q": ["sorry"] * 4}
    cue = f"\n-- fake: sleep {seconds}" if seconds else ""
    return [
        {"name": name, "code": f"theorem {name}{n} : True := {proof}{cue}"}
        for name, row in proofs.items()
        for n, proof in enumerate(row)
    ]


def test_pass_at_k_is_the_unbiased_estimate(fake_repl: str) -> None:
    with leancli.Checker(repl=fake_repl, workers=2) as checker:
        report = evaluate(_samples(), [1, 2, 4], checker)
    assert report["pass@1"] == pytest.approx((1 / 4 + 0) / 2)
    assert report["pass@2"] == pytest.approx((1 / 2 + 0) / 2)
    assert report["pass@4"] == pytest.approx(0.5)


def test_pass_at_k_with_first_pass_leaves_out_what_would_be_biased(tmp_path: Path) -> None:
    # 0.3 s each: the worker holds two at a time, so p's last sample is never started.
    source = write_jsonl(tmp_path / "samples.jsonl", _samples(0.3))
    command = [sys.executable, str(REPO / "examples" / "pass_at_k.py"), str(source)]
    done = subprocess.run(
        [*command, "--k", "1", "4", "--first-pass", "--repl", FAKE_REPL_COMMAND, "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["pass@1: biased under --first-pass", "pass@4: 0.5000"]
