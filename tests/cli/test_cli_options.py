"""Every `check` flag reaches the library: what the run received, without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leancli.cli import app, check_run
from leancli.options import ReplSpec

# Each flag of `check` with a value unlike its default, and how to read it back.
FLAGS: dict[str, tuple[list[str], Any] | None] = {
    "output": (["-o", "OUT"], lambda r: r["output"].name == "out.jsonl"),
    # With --executor ray below, the REPL command is not looked up on this machine.
    "repl": (
        ["--repl", "my-repl --flag"],
        lambda r: r["options"].worker.repl.argv[-2:] == ("my-repl", "--flag"),
    ),
    "project": (
        ["--project", "PROJECT"],
        lambda r: r["options"].worker.repl.argv[1:3] == ("lake", "env"),
    ),
    "workers": (["--workers", "3"], lambda r: r["options"].workers == 3),
    "timeout": (["--timeout", "7.5"], lambda r: r["options"].worker.timeout == 7.5),
    "import_timeout": (
        ["--import-timeout", "99"],
        lambda r: r["options"].worker.import_timeout == 99,
    ),
    "max_tasks": (["--max-tasks", "5"], lambda r: r["options"].max_tasks == 5),
    "memory_limit": (
        ["--memory-limit", "1000"],
        lambda r: r["options"].worker.memory.rss_mb == 1000,
    ),
    "hard_memory_limit": (
        ["--hard-memory-limit", "3000"],
        lambda r: r["options"].worker.memory.address_space_mb == 3000,
    ),
    "code_field": (["--code-field", "proof"], lambda r: r["spec"].code_field == "proof"),
    "template": None,  # excludes --code-field: checked on its own below
    "id_field": (["--id-field", "name"], lambda r: r["spec"].id_field == "name"),
    "heartbeats": (["--heartbeats", "400"], lambda r: r["options"].worker.lean.heartbeats == 400),
    "elab_async": (["--elab-async"], lambda r: r["options"].worker.lean.elab_async is True),
    "incremental": (["--incremental"], lambda r: r["options"].worker.lean.incremental is True),
    "max_headers": (["--max-headers", "2"], lambda r: r["options"].worker.max_headers == 2),
    "standby": (["--standby"], lambda r: r["options"].worker.standby is True),
    "dedup": (["--no-dedup"], lambda r: r["options"].dedup is False),
    "progress": (["--no-progress"], lambda r: r["settings"].progress is False),
    "progress_interval": (
        ["--progress-interval", "5"],
        lambda r: r["settings"].progress_interval == 5,
    ),
    "quiet": None,  # turns the progress off too: checked on its own below
    "verbose": (["-v"], lambda r: r["settings"].verbose is True),
    "executor": (["--executor", "ray"], lambda r: r["options"].executor == "ray"),
    "ray_address": (
        ["--ray-address", "127.0.0.1:1"],
        lambda r: r["options"].ray.address == "127.0.0.1:1",
    ),
    "cpus_per_repl": (["--cpus-per-repl", "2"], lambda r: r["options"].ray.cpus_per_repl == 2),
    "memory_per_repl": (
        ["--memory-per-repl", "777"],
        lambda r: r["options"].ray.memory_per_repl_mb == 777,
    ),
    "resume": (["--resume"], lambda r: r["settings"].resume is True),
    "force": None,  # excludes --resume: checked on its own below
    "fsync": (["--fsync"], lambda r: r["settings"].fsync is True),
    "ordered": (["--ordered"], lambda r: r["settings"].ordered is True),
    "strict": (["--strict"], lambda r: r["settings"].strict is True),
    "sandbox": (["--sandbox"], lambda r: r["options"].worker.repl.argv[0] == "SANDBOXED"),
    "tmpfs_size": (
        ["--sandbox", "--tmpfs-size", "64"],
        lambda r: r["options"].worker.repl.source.endswith(" tmpfs=64"),
    ),
    "pass_env": (
        ["--pass-env", "A", "--pass-env", "B"],
        lambda r: r["options"].worker.pass_env == ("A", "B"),
    ),
    "audit": (["--no-audit"], lambda r: r["options"].worker.audit.enabled is False),
    "trust": (["--trust", "kernel"], lambda r: r["options"].worker.trust == "kernel"),
    "checker": (
        ["--trust", "kernel", "--checker", "my-checker -v"],
        lambda r: r["options"].worker.kernel.checker.argv[-2:] == ("my-checker", "-v"),
    ),
    "kernel_timeout": (
        ["--trust", "kernel", "--kernel-timeout", "42"],
        lambda r: r["options"].worker.kernel.timeout == 42,
    ),
    "allow_axiom": (
        ["--allow-axiom", "A", "--allow-axiom", "B"],
        lambda r: r["options"].worker.audit.allowed == {"A", "B"},
    ),
    "allow_native_decide": (
        ["--allow-native-decide"],
        lambda r: r["options"].worker.audit.allow_native_decide is True,
    ),
    "allow_eval": (["--allow-eval"], lambda r: r["options"].worker.audit.allow_eval is True),
    "first_pass": (["--first-pass", "name"], lambda r: r["spec"].first_pass_field == "name"),
    "passes": (["--first-pass", "name", "--passes", "3"], lambda r: r["spec"].passes == 3),
    "extract": (["--extract", "first-block"], lambda r: r["spec"].extract == "first-block"),
    "preamble_field": (
        ["--statement-field", "stmt", "--preamble-field", "pre"],
        lambda r: r["spec"].preamble_field == "pre",
    ),
    "statement_field": (
        ["--statement-field", "stmt"],
        lambda r: r["spec"].statement_field == "stmt",
    ),
    "cache": (["--cache", "CACHE"], lambda r: r["settings"].cache_dir.name == "cache"),
    "min_free_memory": None,  # ignored with --executor ray: checked on its own below
    "glob": (["--glob", "*.md", "--glob", "x/*"], lambda r: r["settings"].globs == ("*.md", "x/*")),
    "report_format": (["--format", "github"], lambda r: r["settings"].report_format == "github"),
    "junit": (["--junit", "report.xml"], lambda r: r["settings"].junit.name == "report.xml"),
}


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """What `check` hands to the run, which is replaced by a recorder."""
    seen: dict[str, Any] = {}

    def record(input_path: str, output: Path | None, spec: Any, options: Any, settings: Any) -> int:
        seen.update(input=input_path, output=output, spec=spec, options=options, settings=settings)
        return 0

    def sandboxed(spec: ReplSpec, tmpfs_mb: int = 1024) -> ReplSpec:
        argv = ("SANDBOXED", *spec.argv)
        return ReplSpec(argv=argv, cwd=spec.cwd, source=f"{spec.source} tmpfs={tmpfs_mb}")

    monkeypatch.setattr(check_run, "run", record)
    monkeypatch.setattr("leancli.sandbox.bubblewrap.sandboxed", sandboxed)
    monkeypatch.delenv("LEANCLI_REPL", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    (tmp_path / "project").mkdir()
    return seen


def _invoke(tmp_path: Path, args: list[str]) -> None:
    names = {"OUT": "out.jsonl", "PROJECT": "project", "CACHE": "cache"}
    concrete = [str(tmp_path / names[a]) if a in names else a for a in args]
    result = CliRunner().invoke(app, ["check", "in.jsonl", *concrete])
    assert result.exit_code == 0, result.output


def test_every_check_flag_has_a_case_here() -> None:
    from typer.main import get_command

    check = get_command(app).commands["check"]  # type: ignore[attr-defined]
    flags = {param.name for param in check.params if param.param_type_name == "option"}
    # --help and -V/--version print and exit before any run (tests/cli/test_ci_edges.py).
    assert flags - {"help", "version"} == set(FLAGS)


def test_every_check_flag_reaches_the_options(tmp_path: Path, received: dict[str, Any]) -> None:
    args = [arg for case in FLAGS.values() if case is not None for arg in case[0]]
    _invoke(tmp_path, args)
    wrong = [name for name, case in FLAGS.items() if case is not None and not case[1](received)]
    assert wrong == [], received["options"].worker.repl


def test_repl_simulated_names_the_simulated_repl(tmp_path: Path, received: dict[str, Any]) -> None:
    _invoke(tmp_path, ["--repl", "simulated"])
    assert received["options"].worker.repl.argv[1:] == ("-m", "leancli.simulated")


def test_the_flags_that_exclude_others(tmp_path: Path, received: dict[str, Any]) -> None:
    _invoke(tmp_path, ["--repl", "simulated", "--template", "{header}{proof}"])
    assert received["spec"].template == "{header}{proof}"
    _invoke(tmp_path, ["--repl", "simulated", "-o", "OUT", "--force"])
    assert received["settings"].force is True
    _invoke(tmp_path, ["--repl", "simulated", "--min-free-memory", "512"])
    assert received["options"].min_free_memory_mb == 512


def test_quiet_turns_off_the_progress_and_the_notes(
    tmp_path: Path, received: dict[str, Any]
) -> None:
    _invoke(tmp_path, ["-q", "--repl", "simulated"])
    assert received["settings"].quiet is True and received["settings"].progress is False


def test_each_default_is_shown_once_and_right() -> None:
    from typer.main import get_command

    from leancli.inputs.sources import DEFAULT_GLOBS

    check = get_command(app).commands["check"]  # type: ignore[attr-defined]
    context = check.make_context("check", ["x"])
    helps = {
        param.name: param.get_help_record(context)[1]
        for param in check.params
        if param.get_help_record(context) is not None
    }
    for name, text in helps.items():
        assert text.lower().count("default") <= 1, (name, text)
    glob_default = helps["glob"].split("[default:", 1)[1]
    assert all(pattern in glob_default for pattern in DEFAULT_GLOBS)
