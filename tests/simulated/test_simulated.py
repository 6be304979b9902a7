"""The simulated REPL as a newcomer meets it: `--repl simulated`, recorded answers only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from leancli.simulated import TRANSCRIPTS
from leancli.simulated.repl import NO_RECORDING, load_transcripts
from tests.helpers.common import (
    BASICS_VERDICTS,
    FAKE_REPL,
    REPO,
    read_jsonl,
    run_leancli,
    write_jsonl,
)

BASICS = REPO / "samples" / "basics.jsonl"


def _recorded_answer(code: str) -> dict[str, object]:
    answers = load_transcripts(TRANSCRIPTS)
    assert code in answers, f"samples/basics.jsonl holds a snippet with no recording: {code!r}"
    answer: dict[str, object] = orjson.loads(answers[code])
    return answer


def test_the_samples_get_the_verdicts_the_real_repl_gave() -> None:
    done = run_leancli("check", str(BASICS), "--repl", "simulated", "-w", "1")
    assert done.returncode == 1, done.stderr  # some samples fail, as they should
    assert b"simulated REPL" in done.stderr and b"recorded" in done.stderr
    results = {row["id"]: row for row in read_jsonl(done.stdout)}
    samples = read_jsonl(BASICS.read_bytes())
    assert set(results) == {row["id"] for row in samples}
    # What the recordings say, read by hand: an error fails, a sorry warning alone is sorry.
    assert {name: row["status"] for name, row in results.items()} == BASICS_VERDICTS
    for sample in samples:
        recorded = _recorded_answer(sample["code"])
        assert results[sample["id"]]["messages"] == recorded.get("messages", [])


def test_a_command_without_a_recording_is_an_error_never_a_verdict(tmp_path: Path) -> None:
    # Not Lean's `fail` either: a Markdown block marked `fails` must not pass on it.
    rows = [{"id": "new", "code": "theorem not_recorded_anywhere : 3 = 3 := rfl"}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    for repl in ("simulated", f"{sys.executable} {FAKE_REPL}"):  # the tests' one, no --model
        done = run_leancli("check", str(source), "--repl", repl, "-w", "1")
        (result,) = read_jsonl(done.stdout)
        assert result["status"] == "crash", repl
        assert NO_RECORDING in result["error"]
        assert done.returncode == 1


def test_a_fails_block_without_a_recording_does_not_pass(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```lean fails\ntheorem not_recorded_anywhere : 3 = 3 := rfl\n```\n")
    done = run_leancli("check", str(page), "--repl", "simulated", "-w", "1")
    (result,) = read_jsonl(done.stdout)
    assert result["status"] == "crash"
    assert NO_RECORDING in result["error"]
    assert done.returncode == 1


def test_leancli_never_falls_back_to_the_simulated_repl(tmp_path: Path) -> None:
    environ = {key: value for key, value in os.environ.items() if key != "LEANCLI_REPL"}
    environ |= {"PATH": str(Path(sys.executable).parent), "LEANCLI_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "leancli", "check", str(BASICS)],
        capture_output=True,
        env=environ,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert b"no Lean REPL found" in done.stderr
    assert done.stdout == b""


def test_version_prints_and_exits_zero() -> None:
    from leancli.version import __version__

    done = run_leancli("--version")
    assert done.returncode == 0
    assert done.stdout.decode().strip() == f"leancli {__version__}"


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout
    return [name for name in listing.decode().split("\0") if name]


def _python_for(clone: Path, where: Path) -> Path:
    """An interpreter that imports leancli from `clone` and its dependencies from ours."""
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    ours = sysconfig.get_paths()["purelib"]
    theirs = subprocess.run(
        [
            str(where / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.strip()
    # Plain path lines: our editable install's finder (a .pth hook) is not loaded there.
    Path(theirs, "leancli-test.pth").write_text(f"{clone}\n{ours}\n")
    return where / "bin" / "python"


def test_a_clone_with_nothing_beside_it_checks_the_samples(tmp_path: Path) -> None:
    # What `git clone` gives, alone in an empty folder: no shared data folder beside it.
    clone = tmp_path / "alone" / "leancli"
    for name in _tracked_files():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, target)
    python = _python_for(clone, tmp_path / "venv")
    environ = {key: value for key, value in os.environ.items() if key != "LEANCLI_REPL"}
    done = subprocess.run(
        [str(python), "-m", "leancli", "check", "samples/basics.jsonl", "--repl", "simulated"],
        capture_output=True,
        env=environ,
        cwd=clone,
        check=False,
    )
    assert str(clone / "leancli").encode() in done.stderr  # the clone's own recordings
    statuses = sorted(row["status"] for row in read_jsonl(done.stdout))
    assert statuses == ["fail"] * 5 + ["pass"] * 3 + ["sorry"]


def test_nothing_in_the_project_reads_outside_the_clone() -> None:
    pattern = re.compile(r"\.\./shared|parent\s*/\s*\"shared\"|\"shared\"\s*/")
    offenders = [
        name
        for name in _tracked_files()
        if name.endswith((".py", ".toml", ".cfg", ".yml", ".yaml", ".sh"))
        or name.startswith(".ci/")
        if pattern.search((REPO / name).read_text(encoding="utf-8", errors="replace"))
        and name != "tests/simulated/test_simulated.py"
    ]
    assert offenders == []


def _shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"```(?:sh|bash|shell)\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readme_shows_the_simulated_run_first_and_the_ci_test_command() -> None:
    blocks = _shell_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    first = blocks[0]
    assert "pip install" in first and "samples/basics.jsonl" in first
    assert "--repl simulated" in first
    tests = [block for block in blocks if "pytest" in block]
    assert tests, "no README block runs the tests"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"pytest[^\n&]*", tests[0])
    assert command is not None and command.group(0).strip() in ci
