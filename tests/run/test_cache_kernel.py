"""`--cache` with `--trust kernel`: a verdict depends on which checker replayed it and
on `--kernel-timeout` (issue 24; found by the adversarial review of issue 24)."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.helpers.kernel_stand_ins import (
    FORGED,
    HANGS,
    check_one,
    script,
    simulated_checker_script,
    stand_in_lean,
)


def test_the_result_cache_does_not_reuse_another_checkers_verdict(tmp_path: Path) -> None:
    # docs/trust.md: "The result cache keeps the levels apart", and the checkers too: a
    # pass from one checker (here one that accepts everything) is not reused when the
    # run names the checker that rejects the snippet.
    env = stand_in_lean(tmp_path)
    accepts_all = script(tmp_path / "accepts-all", "#!/bin/sh\nexit 0\n")
    real = simulated_checker_script(tmp_path)
    cache = str(tmp_path / "cache")
    kernel = ("--trust", "kernel", "--cache", cache)
    _, first = check_one(tmp_path, FORGED, *kernel, "--checker", str(accepts_all), env=env)
    assert [r["status"] for r in first] == ["pass"], first
    _, second = check_one(tmp_path, FORGED, *kernel, "--checker", str(real), env=env)
    assert [(r["status"], r.get("cached")) for r in second] == [("fail", None)], second
    # The same checker rebuilt in place (another size and time) is another checker too.
    script(accepts_all, "#!/bin/sh\n# rebuilt\nexit 0\n")
    _, rebuilt = check_one(tmp_path, FORGED, *kernel, "--checker", str(accepts_all), env=env)
    assert [(r["status"], r.get("cached")) for r in rebuilt] == [("pass", None)], rebuilt
    _, again = check_one(tmp_path, FORGED, *kernel, "--checker", str(accepts_all), env=env)
    assert [(r["status"], r.get("cached")) for r in again] == [("pass", True)], again


def test_the_receipt_names_the_checker_and_the_kernel_timeout(tmp_path: Path) -> None:
    env = stand_in_lean(tmp_path)
    checker = simulated_checker_script(tmp_path)
    output = tmp_path / "out.jsonl"
    args = ("--trust", "kernel", "--checker", str(checker), "--kernel-timeout", "50")
    done, _ = check_one(tmp_path, FORGED, *args, "-o", str(output), env=env)
    assert done.returncode == 1, done.stderr
    receipt = orjson.loads(output.with_name(output.name + ".receipt.json").read_bytes())
    options = receipt["options"]
    assert options["checker"][0] == str(checker.resolve()), options
    assert options["kernel_timeout"] == 50.0, options


def test_a_kernel_timeout_is_not_reused_by_a_run_with_a_longer_kernel_timeout(
    tmp_path: Path,
) -> None:
    # docs/trust.md (cache): "a timeout is reused only by a run whose timeout is no
    # longer than the one that timed out"; for the replay's timeouts, `--kernel-timeout`:
    # a replay that timed out at 2 s used to be kept against --timeout (60) and reused by
    # a run with --kernel-timeout 600, which would have waited for the checker.
    cache = str(tmp_path / "cache")
    args = ("--trust", "kernel", "--checker", "simulated", "--cache", cache)
    _, first = check_one(tmp_path, HANGS, *args, "--kernel-timeout", "1")
    assert [r["status"] for r in first] == ["timeout"], first
    _, same = check_one(tmp_path, HANGS, *args, "--kernel-timeout", "1")
    assert [(r["status"], r.get("cached")) for r in same] == [("timeout", True)], same
    _, longer = check_one(tmp_path, HANGS, *args, "--kernel-timeout", "2")
    assert [(r["status"], r.get("cached")) for r in longer] == [("timeout", None)], longer
