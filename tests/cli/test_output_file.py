"""The `-o` file as users and scripts treat it: shared, mistaken for the input, on a full disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli, write_jsonl


def _rows(count: int, cue: str = "") -> list[dict[str, str]]:
    return [{"id": f"t{n}", "code": f"theorem t{n} : True := trivial{cue}"} for n in range(count)]


def test_a_second_run_on_the_same_output_is_refused_naming_the_holder(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(3, "\n-- fake: sleep 3"))
    output = tmp_path / "out.jsonl"
    args = [sys.executable, "-m", "leancli", "check", str(source), "--repl", FAKE_REPL_COMMAND]
    first = subprocess.Popen([*args, "-o", str(output), "-w", "1"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not output.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for extra in (["--resume"], ["--force"]):
            second = run_leancli(
                "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), *extra
            )
            assert second.returncode == 2, second.stderr
            assert b"another leancli run" in second.stderr
            assert f"process {first.pid}".encode() in second.stderr
    finally:
        first.wait(timeout=120)
    results = read_jsonl(output.read_bytes())
    assert sorted(row["line"] for row in results) == [1, 2, 3]  # each once


@pytest.mark.parametrize("via", ["same", "symlink", "hardlink"])
def test_the_input_is_never_the_output(tmp_path: Path, via: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(2))
    before = source.read_bytes()
    output = tmp_path / "alias.jsonl"
    if via == "same":
        output = source
    elif via == "symlink":
        output.symlink_to(source)
    else:
        os.link(source, output)
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--force"
    )
    assert done.returncode == 2
    assert b"is the input file" in done.stderr
    assert source.read_bytes() == before


def test_an_output_that_is_a_directory_is_one_clear_line(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(1))
    done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(tmp_path))
    assert done.returncode == 2
    assert b"is a directory" in done.stderr and b"Traceback" not in done.stderr


def test_a_usage_error_after_force_keeps_the_old_results(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(1))
    output = tmp_path / "out.jsonl"
    output.write_bytes(b'{"line": 1, "id": "t0", "status": "pass"}\n')
    done = run_leancli(
        "check", str(source), "--repl", "no-such-repl-here", "-o", str(output), "--force"
    )
    assert done.returncode == 2
    assert output.read_bytes() == b'{"line": 1, "id": "t0", "status": "pass"}\n'


@pytest.mark.parametrize("line", ["-3", "0", "99999999999999"])
def test_an_output_line_with_an_absurd_line_number_is_reported(tmp_path: Path, line: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(1))
    output = tmp_path / "out.jsonl"
    output.write_text(f'{{"line": {line}, "id": "t0", "status": "pass"}}\n')
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--resume"
    )
    assert done.returncode == 2
    assert b"which no input has" in done.stderr and b"Traceback" not in done.stderr


def test_a_resumed_run_exits_1_for_a_failure_kept_from_before(tmp_path: Path) -> None:
    rows = [{"id": "bad", "code": "theorem b : True := sorry"}, *_rows(3)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    first = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output))
    assert first.returncode == 1
    kept = [row for row in read_jsonl(output.read_bytes()) if row["id"] == "bad"]
    output.write_bytes(b"".join(__import__("orjson").dumps(row) + b"\n" for row in kept))
    again = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--resume"
    )
    assert again.returncode == 1, again.stderr  # the new ones pass, the kept one does not
    assert sorted(row["line"] for row in read_jsonl(output.read_bytes())) == [1, 2, 3, 4]


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def test_a_full_disk_is_one_line_its_own_exit_code_and_resumable(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "16k"):
        pytest.skip("needs root and mount -t tmpfs to make a small disk")
    try:
        # Results of about 130 bytes each: a 16 KiB disk fills part way through.
        rows = _rows(200)
        source = write_jsonl(tmp_path / "in.jsonl", rows)
        output = disk / "out.jsonl"
        done = run_leancli("check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output))
        assert done.returncode == 3, done.stderr
        assert b"Traceback" not in done.stderr
        assert f"cannot write {output}".encode() in done.stderr
        assert b"No space left on device" in done.stderr
        written = read_jsonl(output.read_bytes().rsplit(b"\n", 1)[0])
        assert 0 < len(written) < 200
        lines = [row["line"] for row in written]
        assert len(lines) == len(set(lines))
        # Make room, then the run continues where it stopped.
        subprocess.run(["mount", "-o", "remount,size=1m", str(disk)], check=True)
        again = run_leancli(
            "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--resume"
        )
        assert again.returncode == 0, again.stderr
        final = [row["line"] for row in read_jsonl(output.read_bytes())]
        assert sorted(final) == list(range(1, 201))
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_no_file_leancli_writes_is_an_input_wherever_it_was_found(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(2))
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    proof = proofs / "a.lean"
    proof.write_text("theorem a : True := trivial\n")
    cases = [
        ([str(source), "--junit", str(source)], "is the input file"),
        ([str(proofs), "-o", str(proof), "--force"], "is the input file"),  # found inside
        ([str(proofs), "--junit", str(proof)], "is the input file"),
        ([str(source), "--junit", str(tmp_path)], "is a directory"),
        ([str(source), "-o", str(tmp_path / "r"), "--junit", str(tmp_path / "r")], "same file"),
    ]
    for args, message in cases:
        done = run_leancli("check", *args, "--repl", FAKE_REPL_COMMAND)
        assert done.returncode == 2, args
        assert message.encode() in done.stderr, (args, done.stderr)
    assert proof.read_text() == "theorem a : True := trivial\n"
    before = source.read_bytes()
    with source.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "leancli", "check", "-", "-o", str(source), "--force",
             "--repl", FAKE_REPL_COMMAND],
            stdin=stdin, capture_output=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2 and b"standard input reads" in done.stderr
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("line", "status", "why"),
    [("1e3", '"pass"', "not a whole number"), ("true", '"pass"', "not a whole number"),
     ("1", '"weird"', "its status is 'weird'")],
)  # fmt: skip
def test_a_result_line_that_no_run_wrote_is_refused_on_resume(
    tmp_path: Path, line: str, status: str, why: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _rows(1))
    output = tmp_path / "out.jsonl"
    output.write_text(f'{{"line": {line}, "id": "t0", "status": {status}}}\n')
    done = run_leancli(
        "check", str(source), "--repl", FAKE_REPL_COMMAND, "-o", str(output), "--resume"
    )
    assert done.returncode == 2 and why.encode() in done.stderr, done.stderr
