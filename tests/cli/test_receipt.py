"""`check -o FILE` leaves FILE.receipt.json: what a reader needs to reproduce the run."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.version import __version__
from tests.helpers.common import FAKE_REPL_COMMAND, TESTS, read_jsonl, write_jsonl
from tests.helpers.toolchain_stubs import checkout

MANIFEST = TESTS / "data" / "projects" / "convex-eval" / "lake-manifest.json"
MATHLIB_REV = "f897ebcf72cd16f89ab4577d0c826cd14afaafc7"  # what that manifest pins
REPL_COMMIT = "8948401a2b1e5f4c6d7e8f9a0b1c2d3e4f5a6b7c"


def _rows(count: int, cue: str = "") -> list[dict[str, str]]:
    return [{"id": f"t{n}", "code": f"theorem t{n} : True := trivial{cue}"} for n in range(count)]


def _leancli(
    *args: str, cwd: Path, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "leancli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def _receipt(output: Path) -> dict[str, Any]:
    data = orjson.loads(output.with_name(output.name + ".receipt.json").read_bytes())
    assert isinstance(data, dict)
    return data


def _statuses(output: Path) -> dict[str, int]:
    return dict(Counter(row["status"] for row in read_jsonl(output.read_bytes())))


def _repl_checkout(root: Path) -> Path:
    """A REPL built in a Git checkout for Lean v4.19.0, its branch in packed-refs (as a
    fresh clone keeps it)."""
    binary = checkout(root, "v4.19.0")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/master\n")
    (root / ".git" / "packed-refs").write_text(
        f"# pack-refs with: peeled fully-peeled sorted\n{REPL_COMMIT} refs/heads/master\n"
    )
    return binary


def _project(root: Path) -> Path:
    root.mkdir()
    shutil.copy(MANIFEST, root / "lake-manifest.json")
    (root / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
    return root


def test_a_run_with_o_leaves_a_receipt_of_its_toolchain_options_input_and_counts(
    tmp_path: Path,
) -> None:
    repl = _repl_checkout(tmp_path / "repl")
    project = _project(tmp_path / "project")
    rows = [*_rows(3), {"id": "bad", "code": "theorem b : True := by\n  -- fake: error\n  rfl"}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"

    done = _leancli(
        "check", str(source), "--repl", str(repl), "-o", str(output),
        "--heartbeats", "5000", "--allow-axiom", "Classical.choice", "--timeout", "30",
        cwd=project,
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    receipt = _receipt(output)
    assert receipt["leancli"] == __version__
    assert receipt["lean"] == "v4.19.0"
    assert receipt["repl"]["path"] == str(repl.resolve())
    assert receipt["repl"]["revision"] == REPL_COMMIT
    assert receipt["mathlib"] == MATHLIB_REV
    manifest = orjson.loads(MANIFEST.read_bytes())
    assert receipt["project"]["packages"] == {p["name"]: p["rev"] for p in manifest["packages"]}
    assert receipt["project"]["lean_toolchain"] == "leanprover/lean4:v4.19.0"
    options = receipt["options"]
    assert (options["heartbeats"], options["allowed"], options["timeout"]) == (
        5000, ["Classical.choice"], 30.0,
    )  # fmt: skip
    assert receipt["inputs"] == [
        {
            "path": str(source),
            "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "bytes": source.stat().st_size,
        }
    ]
    assert receipt["counts"] == _statuses(output) == {"pass": 3, "fail": 1}
    assert receipt["results"] == 4 and receipt["complete"] is True
    assert receipt["started"] <= receipt["ended"]
    assert receipt["executor"] == "local"


def test_standard_input_is_hashed_as_read_and_stdout_runs_leave_no_receipt(
    tmp_path: Path,
) -> None:
    data = b"".join(orjson.dumps(row) + b"\n" for row in _rows(2))
    output = tmp_path / "out.jsonl"

    to_file = _leancli(
        "check", "-", "--repl", "simulated", "-o", str(output), cwd=tmp_path, stdin=data
    )
    assert to_file.returncode in (0, 1), to_file.stderr
    receipt = _receipt(output)
    assert receipt["inputs"] == [
        {"path": "-", "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    ]
    # The simulated REPL replays recordings: no Lean version, no revision, to claim.
    assert receipt["lean"] == "simulated" and receipt["repl"]["command"] == "simulated"

    elsewhere = tmp_path / "stdout-run"
    elsewhere.mkdir()
    to_stdout = _leancli("check", "-", "--repl", "simulated", cwd=elsewhere, stdin=data)
    assert to_stdout.returncode in (0, 1) and read_jsonl(to_stdout.stdout)
    assert list(elsewhere.iterdir()) == []


def test_an_interrupted_run_says_so_and_its_resumed_receipt_covers_the_whole_file(
    tmp_path: Path,
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(6, "\n-- fake: sleep 1"))
    output = tmp_path / "out.jsonl"
    args = [sys.executable, "-m", "leancli", "check", str(source), "--repl", FAKE_REPL_COMMAND]
    run = subprocess.Popen([*args, "-o", str(output), "-w", "1"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (output.exists() and output.read_bytes()):
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=60) == 130
    interrupted = _receipt(output)
    assert interrupted["complete"] is False and interrupted["ended"] is not None
    kept = sum(_statuses(output).values())
    assert 0 < kept < 6 and interrupted["counts"] == _statuses(output)

    again = _leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--resume",
        cwd=tmp_path,
    )  # fmt: skip

    assert again.returncode == 0, again.stderr
    resumed = _receipt(output)
    assert resumed["complete"] is True
    assert resumed["counts"] == {"pass": 6} and resumed["results"] == 6
    assert resumed["resumed"] == kept
    assert resumed["inputs"][0]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_a_symlinked_output_keeps_its_receipt_beside_the_results_and_stats_prints_it(
    tmp_path: Path,
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(2))
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "results.jsonl"
    target.touch()
    link = tmp_path / "results.jsonl"
    link.symlink_to(target)

    done = _leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(link), "--force",
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert not (tmp_path / "results.jsonl.receipt.json").exists()
    receipt = _receipt(target)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    for name in (link, target):
        shown = _leancli("stats", str(name), cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert f"sha256 {digest}".encode() in shown.stdout
        assert b"complete" in shown.stdout and b"2 results: 2 pass" in shown.stdout
        as_json = orjson.loads(_leancli("stats", str(name), "--json", cwd=tmp_path).stdout)
        assert as_json["receipt"] == receipt


@pytest.mark.parametrize("obstacle", ["directory in the way", "read-only directory"])
def test_a_receipt_that_cannot_be_written_stops_the_run_before_any_repl_starts(
    tmp_path: Path, obstacle: str, import_log: Path
) -> None:
    rows = [{"id": "m", "code": "import Mathlib\ntheorem m : True := trivial"}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "out.jsonl"
    receipt = folder / "out.jsonl.receipt.json"
    if obstacle == "directory in the way":
        (receipt / "something").mkdir(parents=True)
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only directory")
        output.touch()
        folder.chmod(0o555)
    try:
        done = _leancli(
            "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--force",
            cwd=tmp_path,
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
    assert done.returncode == 3, done.stderr
    lines = done.stderr.decode().strip().splitlines()
    assert lines == [lines[0]] and f"cannot write the receipt {receipt}" in lines[0]
    assert not import_log.exists() and output.read_bytes() == b""  # no REPL started


def test_resuming_through_a_symlinked_output_after_an_edit_keeps_the_link(
    tmp_path: Path,
) -> None:
    rows = _rows(3)
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "results.jsonl"
    link = tmp_path / "results.jsonl"
    link.symlink_to(target)
    args = ("check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(link))
    assert _leancli(*args, cwd=tmp_path).returncode == 0
    rows[1] = {"id": "t1", "code": "theorem t1 : True := sorry"}  # edited since
    write_jsonl(source, rows)

    again = _leancli(*args, "--resume", cwd=tmp_path)

    assert again.returncode == 1, again.stderr
    assert link.is_symlink()
    assert _statuses(target) == {"pass": 2, "sorry": 1} == _receipt(target)["counts"]
