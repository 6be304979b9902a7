"""The Lean REPL wire format (pure): blank-line framed JSON requests and answers.

Facts from real transcripts: a request is JSON followed by a blank line and must not
contain a raw newline (the REPL joins lines, losing them), so newlines are escaped; an
answer is pretty-printed JSON over several lines followed by a blank line; an error
answer is `{"message": ...}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

FRAME_END = b"\n\n"


class ProtocolError(Exception):
    """The REPL printed something that is not a well-formed answer."""


@dataclass(frozen=True)
class CommandAnswer:
    env: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    sorries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ErrorAnswer:
    message: str


Answer = CommandAnswer | ErrorAnswer


def command_request(cmd: str, env: int | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"cmd": cmd}
    if env is not None:
        request["env"] = env
    request.update(extra)
    return request


def encode_request(request: dict[str, Any]) -> bytes:
    # orjson escapes control characters inside strings, so the frame holds no raw newline.
    return orjson.dumps(request) + FRAME_END


def parse_answer(frame: bytes) -> Answer:
    try:
        data = orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"REPL printed non-JSON output: {_preview(frame)}") from exc
    if not isinstance(data, dict):
        raise ProtocolError(f"REPL answer is not a JSON object: {_preview(frame)}")
    if "message" in data and "env" not in data:
        return ErrorAnswer(str(data["message"]))
    env = data.get("env")
    if not isinstance(env, int):
        raise ProtocolError(f"REPL answer has no env: {_preview(frame)}")
    return CommandAnswer(
        env=env,
        messages=list(data.get("messages") or []),
        sorries=list(data.get("sorries") or []),
    )


class FrameBuffer:
    """Accumulates REPL stdout and cuts it into answer frames at blank lines."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while True:
            # Leading blank lines between answers are not frames.
            while self._buffer[:1] == b"\n":
                del self._buffer[:1]
            end = self._buffer.find(FRAME_END)
            if end < 0:
                return frames
            frames.append(bytes(self._buffer[:end]))
            del self._buffer[: end + len(FRAME_END)]

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)


def _preview(data: bytes, limit: int = 200) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "..."
