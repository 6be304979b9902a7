"""Lean rewards for trainers, called exactly as the trainers call them.

- TRL's `GRPOTrainer` calls each reward function as
  `reward_func(prompts=prompts, completions=completions, completion_ids=..., **reward_kwargs)`,
  `reward_kwargs` holding every dataset column but `prompt`/`completion` (a list a
  column) plus `trainer_state`, `log_extra`, `log_metric`; a completion is a string, or
  for conversational datasets a list of messages; it logs each function under
  `__name__` (trl/trainer/grpo_trainer.py, `_calculate_rewards`). `TRLReward` is one.
- verl's `NaiveRewardManager` calls `compute_score(data_source=..., solution_str=...,
  ground_truth=..., extra_info=...)` once per response, its `BatchRewardManager`
  `compute_score(data_sources=..., solution_strs=..., ground_truths=..., extra_infos=...)`
  once per batch (verl/workers/reward_manager/naive.py and batch.py); verl loads the
  function by file path and name (`custom_reward_function.path`/`.name`), so both are
  configured from `LEANCLI_*` environment variables and share one warm `Checker` per
  process (`VERL_ENVIRONMENT`); a process forked from one that has it (verl's reward
  managers may fork) makes its own.

A completion is scored on the code taken from it (`extract`, see `inputs/extract.py`),
after what `template` makes of the row's other fields: 1.0 for `pass`, `sorry_reward`
(default 0.0: pass only) for `sorry`, 0.0 for anything else, `invalid` (no lean block)
included.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from leancli.checker import Checker
from leancli.errors import ConfigError
from leancli.inputs.items import InputSpec
from leancli.records import Result, Status

# What GRPOTrainer adds to the dataset's columns: never a template field.
_TRL_EXTRAS = frozenset(
    {"prompts", "completion_ids", "trainer_state", "log_extra", "log_metric", "environments"}
)
ANSWER = "completion"  # the field the answer is put in for the checker
# Checker options that name a field of each row: the rows carry those columns.
_FIELD_OPTIONS = ("statement_field", "preamble_field", "first_pass", "id_field")


def score(result: Result, sorry_reward: float = 0.0) -> float:
    """1.0 for a proof Lean accepts, `sorry_reward` for one with `sorry`, else 0.0."""
    if result.status is Status.PASS:
        return 1.0
    if result.status is Status.SORRY:
        return sorry_reward
    return 0.0


def completion_text(completion: Any) -> str:
    """TRL's completion as text: a string, or the content of a conversation's messages."""
    if isinstance(completion, str):
        return completion
    if completion is None:
        return ""
    return "".join(str(message.get("content") or "") for message in completion)


class TRLReward:
    """A reward function for TRL's `GRPOTrainer` on one warm `Checker`.

        reward = leancli.rewards.TRLReward(template="{header}{formal_statement}",
                                           extract="whole", workers=8, timeout=60)
        trainer = GRPOTrainer(..., reward_funcs=[reward], ...)

    `template` names dataset columns (a `None` value is empty text; a column the
    dataset lacks is a `ConfigError` naming it); `extract` is `last-block` (default),
    `first-block` or `whole`; every other keyword goes to `leancli.Checker`, and the
    columns its `statement_field`, `preamble_field`, `first_pass` and `id_field` name
    reach it too (`header` as well, with `statement_field`, when the dataset has it).
    """

    __name__ = "lean_reward"  # TRL logs each reward function under its name

    def __init__(
        self,
        *,
        template: str | None = None,
        extract: str = "last-block",
        sorry_reward: float = 0.0,
        checker: Checker | None = None,
        **checker_options: Any,
    ) -> None:
        self.sorry_reward = sorry_reward
        self.template = template
        spec = InputSpec(code_field=ANSWER, template=template, extract=extract)
        # The dataset columns each row needs, by the option naming them.
        self._columns = {name: "template" for name in spec.template_fields()}
        for option in _FIELD_OPTIONS:
            if isinstance(checker_options.get(option), str):
                self._columns.setdefault(checker_options[option], option)
        # Read under the statement when the dataset has it (as `--statement-field`).
        self._optional = ["header"] if checker_options.get("statement_field") else []
        self.checker = checker or Checker(
            code_field=ANSWER, template=template, extract=extract, **checker_options
        )

    def __call__(
        self, prompts: Any = None, completions: Sequence[Any] = (), **kwargs: Any
    ) -> list[float]:
        missing = [name for name in self._columns if name not in kwargs]
        if missing:
            columns = sorted(set(kwargs) - _TRL_EXTRAS)
            raise ConfigError(
                self._columns[missing[0]],
                f"field {missing[0]!r} is no column of the dataset (it has {columns})",
            )
        names = [*self._columns, *(name for name in self._optional if name in kwargs)]
        rows = []
        for index, completion in enumerate(completions):
            row = {name: kwargs[name][index] for name in names}
            row[ANSWER] = completion_text(completion)
            rows.append(row)
        return [score(result, self.sorry_reward) for result in self.checker.check(rows)]

    def close(self) -> None:
        self.checker.close()


# --- verl ---------------------------------------------------------------------------

VERL_ENVIRONMENT = {
    "LEANCLI_REPL": "the REPL command (else found as `leancli check` finds it)",
    "LEANCLI_PROJECT": "the Lake project the REPL runs in",
    "LEANCLI_WORKERS": "REPL workers per trainer process (default: the usable cores)",
    "LEANCLI_TIMEOUT": "seconds per snippet (default 60)",
    "LEANCLI_EXTRACT": "last-block (default), first-block or whole",
    "LEANCLI_TEMPLATE": "what comes before the extracted code, from `ground_truth`, "
    "`data_source` and the keys of `extra_info`, e.g. '{ground_truth}' (default: nothing)",
    "LEANCLI_STATEMENT_FIELD": "the field (`ground_truth`, or a key of `extra_info`) holding "
    "the statement the proof must keep, as `--statement-field` (default: none)",
    "LEANCLI_PREAMBLE_FIELD": "the field holding what the statement is read under (imports, "
    "opens), as `--preamble-field` (default: `header`, when the row has it)",
    "LEANCLI_SORRY_REWARD": "the reward of a proof with `sorry` (default 0.0)",
}
# The variables naming fields of a row, and the Checker option each sets.
_VERL_FIELDS = {
    "LEANCLI_TEMPLATE": "template",
    "LEANCLI_STATEMENT_FIELD": "statement_field",
    "LEANCLI_PREAMBLE_FIELD": "preamble_field",
}
_checker: Checker | None = None
_checker_lock = threading.Lock()


def _forget_parents_checker() -> None:
    """In a forked child (verl's reward managers may fork workers): the parent's Checker
    has no run loop here (leancli.checker detaches it), so the next call makes a new
    one; the lock may have been held by a parent thread at the fork."""
    global _checker, _checker_lock
    _checker = None
    _checker_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_parents_checker)


def _verl_checker() -> Checker:
    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = Checker(
                code_field=ANSWER,
                template=os.environ.get("LEANCLI_TEMPLATE") or None,
                statement_field=os.environ.get("LEANCLI_STATEMENT_FIELD") or None,
                preamble_field=os.environ.get("LEANCLI_PREAMBLE_FIELD") or None,
                extract=os.environ.get("LEANCLI_EXTRACT") or "last-block",
                **_checker_options(os.environ),
            )
        return _checker


def _checker_options(environ: Mapping[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, key, kind in (
        ("repl", "LEANCLI_REPL", str),
        ("project", "LEANCLI_PROJECT", str),
        ("workers", "LEANCLI_WORKERS", int),
        ("timeout", "LEANCLI_TIMEOUT", float),
    ):
        value = environ.get(key)
        if value:
            try:
                options[name] = kind(value)
            except ValueError:
                raise ConfigError(name, f"{key}={value!r} is not a {kind.__name__}") from None
            if kind is float and not math.isfinite(options[name]):
                raise ConfigError(name, f"{key}={value!r} is not a finite number")
    return options


def _sorry_reward() -> float:
    value = os.environ.get("LEANCLI_SORRY_REWARD") or "0"
    try:
        reward = float(value)
    except ValueError:
        reward = math.nan
    if not math.isfinite(reward):  # a NaN reward would poison the trainer's advantages
        raise ConfigError("sorry_reward", f"LEANCLI_SORRY_REWARD={value!r} is not a finite number")
    return reward


def _verl_row(data_source: Any, solution: Any, ground_truth: Any, extra: Any) -> dict[str, Any]:
    row = dict(extra) if isinstance(extra, Mapping) else {}
    row.update(data_source=data_source, ground_truth=ground_truth)
    row[ANSWER] = solution if isinstance(solution, str) else ""
    return row


def _require_fields(rows: Sequence[Mapping[str, Any]]) -> None:
    """ConfigError naming the variable whose field a row lacks: a silent 0.0 for every
    proof would look like a model that never proves anything."""
    for variable in _VERL_FIELDS:
        value = os.environ.get(variable)
        if not value:
            continue
        spec = InputSpec(template=value) if variable == "LEANCLI_TEMPLATE" else None
        names = spec.template_fields() if spec is not None else [value]
        for row in rows:
            missing = [name for name in names if name not in row]
            if missing:
                keys = sorted(set(row) - {ANSWER})
                raise ConfigError(
                    _VERL_FIELDS[variable],
                    f"{variable} names the field {missing[0]!r}, which is neither "
                    f"ground_truth, data_source nor a key of extra_info (a row has {keys})",
                )


def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None
) -> float:
    """verl's `NaiveRewardManager` reward of one response (see the module docstring)."""
    row = _verl_row(data_source, solution_str, ground_truth, extra_info)
    _require_fields([row])
    (result,) = _verl_checker().check([row])
    return score(result, _sorry_reward())


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **_: Any,
) -> list[float]:
    """verl's `BatchRewardManager` rewards of one batch, checked together."""
    extras = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    rows = [
        _verl_row(*values)
        for values in zip(data_sources, solution_strs, ground_truths, extras, strict=True)
    ]
    _require_fields(rows)
    sorry_reward = _sorry_reward()
    return [score(result, sorry_reward) for result in _verl_checker().check(rows)]


def close() -> None:
    """Stop the verl functions' checker (it also stops when the process exits)."""
    global _checker
    with _checker_lock:
        if _checker is not None:
            _checker.close()
            _checker = None
