"""The examples in examples/ run as their docstrings say, against the simulated REPL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leancli
from leancli.reports.stats import collect
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
    assert done.stdout.splitlines() == [
        "pass@1: would be biased: --first-pass skipped samples",
        "pass@4: 0.5000",
    ]


STATUSES = [status for status in leancli.Status if status is not leancli.Status.SKIPPED]


class _Replay:
    """A checker that answers with given statuses: `evaluate` without a REPL."""

    def __init__(self, statuses: list[leancli.Status]) -> None:
        self.statuses = statuses

    def check(self, samples: object) -> list[leancli.Result]:
        return [
            leancli.Result(status, line=n, id=None) for n, status in enumerate(self.statuses, 1)
        ]


@settings(max_examples=60, deadline=None)
@given(
    problems=st.lists(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=6), min_size=1,
                      max_size=4),
    ks=st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True),
)  # fmt: skip
def test_pass_at_k_example_agrees_with_stats_on_every_input(
    problems: list[list[leancli.Status]], ks: list[int]
) -> None:
    samples = [{"name": f"p{i}", "code": "x"} for i, row in enumerate(problems) for _ in row]
    statuses = [status for row in problems for status in row]
    report = evaluate(samples, ks, _Replay(statuses))  # type: ignore[arg-type]
    lines = [
        json.dumps({"id": sample["name"], "status": status.value})
        for sample, status in zip(samples, statuses, strict=True)
    ]
    from_stats = collect(lines, ks=sorted(ks)).summary()["pass_at_k"]
    numbers = {name: value for name, value in report.items() if not isinstance(value, str)}
    assert numbers == pytest.approx({f"pass@{k}": value for k, value in from_stats.items()})
