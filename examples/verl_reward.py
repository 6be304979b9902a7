"""A Lean reward for verl: point its custom reward function at `leancli.rewards`.

    export LEANCLI_REPL=... LEANCLI_WORKERS=8
    export LEANCLI_TEMPLATE='{ground_truth}' LEANCLI_EXTRACT=last-block
    python -m verl.trainer.main_ppo ... \\
        custom_reward_function.path=examples/verl_reward.py \\
        custom_reward_function.name=compute_score        # default reward manager
    #   custom_reward_function.name=compute_score_batch  with reward_model.reward_manager=batch

`ground_truth` (the dataset's `reward_model.ground_truth`) holds header + formal
statement; the response's last ```lean4 block is the proof after it. One warm Checker
per trainer process serves every call.
"""

from leancli.rewards import compute_score, compute_score_batch

__all__ = ["compute_score", "compute_score_batch"]
