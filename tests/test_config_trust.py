"""`trust="kernel"` resolved: the checker and the compiler run where the REPL runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.config import CheckRequest, ExecutorKind, resolve
from leancli.errors import ConfigError
from tests.helpers.common import FAKE_REPL_COMMAND


def test_a_named_checker_gets_modules_compiled_by_lean_where_the_repl_runs(tmp_path: Path) -> None:
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.28.0\n")
    # On a cluster (ray) the REPL command is not looked up here; no memory floor is measured.
    request = CheckRequest(
        repl=FAKE_REPL_COMMAND, project=tmp_path, trust="kernel", checker="lc",
        executor=ExecutorKind.RAY, hard_memory_limit=0,
    )  # fmt: skip
    kernel = resolve(request, {"PATH": ""}).worker.kernel
    assert kernel is not None and kernel.compiler is not None
    assert kernel.checker.argv == ("lake", "env", "lc") and kernel.checker.cwd == tmp_path
    assert kernel.compiler.argv == ("lake", "env", "lean") and kernel.module_from == "compile"


def test_audit_is_the_default_and_needs_no_checker() -> None:
    options = resolve(CheckRequest(repl="simulated"))
    assert options.worker.kernel is None and options.worker.trust == "audit"
    assert resolve(CheckRequest(repl="simulated", audit=False)).worker.trust == "lean"


def test_the_kernel_timeout_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="kernel_timeout"):
        resolve(CheckRequest(repl="simulated", trust="kernel", kernel_timeout=0))


def test_the_cache_and_resume_keep_the_levels_apart() -> None:
    from leancli.run.cache import verdict_options

    audit = resolve(CheckRequest(repl="simulated"))
    kernel = resolve(CheckRequest(repl="simulated", trust="kernel"))
    assert kernel.worker.kernel is not None and kernel.worker.kernel.module_from == "pickle"
    assert verdict_options(audit) != verdict_options(kernel)
