"""The wire format, checked against every answer a real REPL gave in the transcripts."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import orjson
import pytest

from leancli.records import Status
from leancli.repl.protocol import (
    CommandAnswer,
    ErrorAnswer,
    FrameBuffer,
    ProtocolError,
    command_request,
    encode_request,
    parse_answer,
)
from leancli.simulated import TRANSCRIPTS
from leancli.verdict.decide import classify

ANSWER_FILES = sorted(TRANSCRIPTS.rglob("*.expected.out"))


def _requests(path: Path) -> list[str]:
    text = path.with_name(path.name.replace(".expected.out", ".in")).read_text()
    return [chunk for chunk in text.split("\n\n") if chunk.strip()]


def test_transcripts_are_present() -> None:
    assert len(ANSWER_FILES) > 150, f"expected the shared transcripts under {TRANSCRIPTS}"


@pytest.mark.parametrize("path", ANSWER_FILES, ids=lambda p: str(p.relative_to(TRANSCRIPTS)))
def test_every_real_answer_is_framed_and_parsed(path: Path) -> None:
    data = path.read_bytes().rstrip(b"\n") + b"\n\n"
    buffer = FrameBuffer()
    frames: list[bytes] = []
    rng = random.Random(path.name)
    position = 0
    while position < len(data):  # arbitrary chunking, as pipes deliver it
        step = rng.randint(1, 97)
        frames += buffer.feed(data[position : position + step])
        position += step
    assert not buffer.has_content()
    requests = _requests(path)
    assert len(frames) == len(requests)
    for request, frame in zip(requests, frames, strict=True):
        raw = orjson.loads(frame)
        if '"cmd"' not in request:  # tactic mode and pickling: not used by leancli
            continue
        answer = parse_answer(frame)
        if "message" in raw and "env" not in raw:
            assert isinstance(answer, ErrorAnswer)
            assert answer.message == raw["message"]
        else:
            assert isinstance(answer, CommandAnswer)
            assert answer.env == raw["env"]
            assert answer.messages == raw.get("messages", [])
            assert answer.sorries == raw.get("sorries", [])


def _single_answer(name: str) -> CommandAnswer:
    answer = parse_answer((TRANSCRIPTS / f"{name}.expected.out").read_bytes().split(b"\n\n")[0])
    assert isinstance(answer, CommandAnswer)
    return answer


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("calc", Status.SORRY),
        ("dup_sorries", Status.SORRY),
        ("invalid_line_break", Status.FAIL),
        ("app_type_mismatch", Status.FAIL),
        ("import_lean", Status.PASS),
        ("options", Status.PASS),  # an info message is not a failure
    ],
)
def test_real_answers_are_classified(name: str, status: Status) -> None:
    answer = _single_answer(name)
    assert classify(answer.messages, answer.sorries) is status


def test_goedel_answers_with_warnings_and_infos_pass() -> None:
    for path in sorted((TRANSCRIPTS / "goedel-workbook").glob("*.expected.out")):
        answer = parse_answer(path.read_bytes().strip())
        assert isinstance(answer, CommandAnswer)
        assert classify(answer.messages, answer.sorries) is Status.PASS, path.name


def test_request_escapes_newlines_so_the_repl_cannot_lose_them() -> None:
    encoded = encode_request(command_request("theorem foo : 1 = 1 := by\nrfl", env=3))
    body, end = encoded[:-2], encoded[-2:]
    assert end == b"\n\n"
    assert b"\n" not in body
    assert orjson.loads(body) == {"cmd": "theorem foo : 1 = 1 := by\nrfl", "env": 3}


def test_garbage_and_non_objects_are_protocol_errors() -> None:
    with pytest.raises(ProtocolError):
        parse_answer(b"uncaught exception: oops")
    with pytest.raises(ProtocolError):
        parse_answer(b"[1, 2]")
    with pytest.raises(ProtocolError):
        parse_answer(b'{"messages": []}')  # no env


def test_the_frame_search_resumes_where_it_stopped() -> None:
    # A 40 MB answer arrives in 64 KiB chunks: each chunk is searched once, never the
    # whole buffer again (that made reading it quadratic: 20 s for 40 MB).
    buffer = FrameBuffer()
    chunk = b'{"env": 1, "messages": [' + b" " * (65536 - 24)
    for count in range(1, 50):
        assert buffer.feed(chunk) == []
        assert buffer._searched == count * len(chunk)
    # A frame end split across two chunks is still found.
    assert buffer.feed(b"]}\n") == []
    (frame,) = buffer.feed(b"\n")
    assert frame.endswith(b"]}") and not buffer.has_content()


def test_a_large_answer_is_read_in_linear_time(tmp_path: Path) -> None:
    from leancli.options import ReplSpec
    from leancli.repl.protocol import command_request
    from leancli.repl.session import ReplSession

    script = tmp_path / "big.py"
    script.write_text(
        "import sys, json\n"
        "sys.stdin.readline(); sys.stdin.readline()\n"
        "data = 'x' * (100 * 2**20)\n"
        "sys.stdout.write(json.dumps({'env': 0, 'messages': [{'severity': 'info',"
        " 'pos': {'line': 1, 'column': 0}, 'data': data}]}) + '\\n\\n')\n"
        "sys.stdout.flush(); sys.stdin.read()\n"
    )
    with ReplSession(ReplSpec.from_command(f"{sys.executable} {script}")) as session:
        # 100 MB took longer than this before the search became incremental.
        answer = session.send(command_request("def f := 1"), timeout=60)
    assert isinstance(answer, CommandAnswer)
    assert len(answer.messages[0]["data"]) == 100 * 2**20
