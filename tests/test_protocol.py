"""The wire format, checked against every answer a real REPL gave in the transcripts."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from leancli.protocol import (
    CommandAnswer,
    ErrorAnswer,
    FrameBuffer,
    ProtocolError,
    command_request,
    encode_request,
    parse_answer,
)
from leancli.records import Status
from leancli.verdict import classify
from tests.conftest import TRANSCRIPTS

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
    assert buffer.pending == b""
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
