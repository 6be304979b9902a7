"""`leancli.config.resolve`: out-of-range options are refused before anything starts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from leancli.config import CheckRequest, resolve
from leancli.errors import ConfigError, LeancliError
from tests.helpers.common import run_leancli, write_jsonl

BAD_VALUES = [
    ("timeout", 0.0),
    ("timeout", -1.0),
    ("timeout", math.nan),
    ("timeout", math.inf),
    ("import_timeout", 0.0),
    ("workers", -1),
    ("max_tasks", -1),
    ("memory_limit", -5),
    ("hard_memory_limit", -1),
    ("heartbeats", -1),
    ("max_headers", 0),
    ("cpus_per_repl", 0.0),
    ("memory_per_repl", -1),
    ("min_free_memory", -1),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_resolve_refuses_a_value_no_run_can_use(field: str, value: float) -> None:
    request = CheckRequest(repl="simulated", **{field: value})  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as caught:
        resolve(request)
    assert caught.value.option == field
    assert isinstance(caught.value, LeancliError)


def test_the_limits_that_mean_off_are_accepted() -> None:
    options = resolve(CheckRequest(repl="simulated", memory_limit=0, hard_memory_limit=0))
    assert options.worker.memory.rss_mb == 0 and options.worker.memory.hard_limit_bytes() is None


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--timeout", "0"), ("--timeout", "nan"), ("--workers", "-1"), ("--max-tasks", "-1"),
     ("--memory-limit", "-1"), ("--heartbeats", "-3")],
)  # fmt: skip
def test_the_cli_names_the_flag_and_leaves_the_output_alone(
    tmp_path: Path, flag: str, value: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "def f := 37"}])
    output = tmp_path / "out.jsonl"
    output.write_bytes(b"earlier results\n")
    done = run_leancli(
        "check", str(source), "--repl", "simulated", "-o", str(output), "--force", flag, value
    )
    assert done.returncode == 2
    assert flag.encode() in done.stderr and b"Traceback" not in done.stderr
    assert output.read_bytes() == b"earlier results\n"


@pytest.mark.parametrize("where", ["--repl", "LEANCLI_REPL"])
def test_a_repl_command_with_bad_quoting_says_so(tmp_path: Path, where: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "def f := 37"}])
    if where == "--repl":
        done = run_leancli("check", str(source), "--repl", "python3 'unterminated")
    else:
        done = run_leancli("check", str(source), env={"LEANCLI_REPL": "python3 'unterminated"})
    assert done.returncode == 2
    assert f"{where}: No closing quotation".encode() in done.stderr
    assert b"no Lean REPL found" not in done.stderr


def test_every_library_error_derives_from_one_base() -> None:
    from leancli.executors import ExecutorUnavailable
    from leancli.inputs.items import TemplateError
    from leancli.repl.protocol import ProtocolError
    from leancli.repl.session import ReplFailure
    from leancli.reports.stats import StatsError
    from leancli.run.resume import ResumeError
    from leancli.sandbox.bubblewrap import SandboxUnavailable
    from leancli.toolchain.setup import SetupError

    for error in (
        ConfigError, ExecutorUnavailable, TemplateError, ProtocolError, ResumeError,
        SandboxUnavailable, ReplFailure, SetupError, StatsError,
    ):  # fmt: skip
        assert issubclass(error, LeancliError), error
