"""`--trust kernel` with a checker, or a `lean` to make its module, that cannot start:
refused up front, naming it, and never a `fail` of an honest snippet (issue 24; found by
the adversarial review of issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.kernel_stand_ins import (
    HONEST,
    check_one,
    simulated_checker_script,
    stand_in_lean,
)


def test_a_checker_that_cannot_start_is_refused_up_front_naming_it(tmp_path: Path) -> None:
    # Issue 24: "`--trust kernel` without one exits 2 up front, naming it". The launcher
    # that starts the checker used to exit 1 when it could not (a Python traceback),
    # which leancli read as leanchecker's "rejected": an honest snippet was `fail`.
    env = stand_in_lean(tmp_path)
    missing = tmp_path / "no-such-checker"
    not_executable = tmp_path / "checker-without-x"
    not_executable.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    for checker, why in ((missing, "does not exist"), (not_executable, "is not executable")):
        done, results = check_one(
            tmp_path, HONEST, "--trust", "kernel", "--checker", str(checker), env=env
        )
        said = done.stderr.decode()
        assert done.returncode == 2 and results == [], (said, results)
        assert f"{checker} {why}" in said and "Traceback" not in said, said


def test_a_missing_lean_to_make_the_module_is_refused_up_front(tmp_path: Path) -> None:
    # With leanchecker (any --checker but `simulated`) the module is made with `lean -o`;
    # with no `lean` to run, honest snippets used to `fail` "rejected by Lean compiling it
    # as a module: Traceback ...".
    checker = simulated_checker_script(tmp_path)
    done, results = check_one(
        tmp_path, HONEST, "--trust", "kernel", "--checker", str(checker), env={"PATH": "/bin"}
    )
    said = done.stderr.decode()
    assert done.returncode == 2 and results == [], (said, results)
    assert "`lean`" in said and "no `lean` on PATH" in said, said
    assert "Traceback" not in json.dumps(results) + said
