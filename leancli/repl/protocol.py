"""The Lean REPL wire format (pure): blank-line framed JSON requests and answers.

Facts from real transcripts: a request is JSON followed by a blank line and must not
contain a raw newline (the REPL joins lines, losing them), so newlines are escaped; an
answer is pretty-printed JSON over several lines followed by a blank line; an error
answer is `{"message": ...}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from leancli.errors import LeancliError

FRAME_END = b"\n\n"


class ProtocolError(LeancliError):
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


def command_request(cmd: str, env: int | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"cmd": cmd}
    if env is not None:
        request["env"] = env
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
    if not isinstance(env, int) or isinstance(env, bool):
        raise ProtocolError(f"REPL answer has no integer env: {_preview(frame)}")
    return CommandAnswer(
        env=env,
        messages=_entries(data, "messages", frame),
        sorries=_entries(data, "sorries", frame),
    )


def _entries(data: dict[str, Any], name: str, frame: bytes) -> list[dict[str, Any]]:
    """The answer's `messages` or `sorries`: a list of objects whose positions, where
    given, are objects of integer line and column (what the verdict reads)."""
    entries = data.get(name)
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ProtocolError(f"REPL answer's {name} is not a list: {_preview(frame)}")
    for entry in entries:
        if not isinstance(entry, dict):
            raise ProtocolError(f"REPL answer's {name} holds a non-object: {_preview(frame)}")
        for key in ("pos", "endPos"):
            pos = entry.get(key)
            if pos is not None and not _is_position(pos):
                raise ProtocolError(f"REPL answer's {name} has a bad {key}: {_preview(frame)}")
        if name == "messages" and not isinstance(entry.get("severity", "info"), str):
            raise ProtocolError(f"REPL answer's message has a bad severity: {_preview(frame)}")
    return entries


def _is_position(pos: object) -> bool:
    return isinstance(pos, dict) and all(
        isinstance(pos.get(part), int) and not isinstance(pos.get(part), bool)
        for part in ("line", "column")
    )


class FrameBuffer:
    """Accumulates REPL stdout and cuts it into answer frames at blank lines.

    Linear in what it is fed: each byte is searched for the frame end once (the search
    resumes where the last one stopped), and nothing is copied until a frame is whole.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._searched = 0  # bytes at the start of the buffer known to hold no FRAME_END

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while True:
            # Leading blank lines between answers are not frames.
            blank = (
                len(self._buffer) - len(self._buffer.lstrip(b"\n"))
                if self._buffer[:1] == b"\n"
                else 0
            )
            if blank:
                del self._buffer[:blank]
                self._searched = max(0, self._searched - blank)
            start = max(0, self._searched - (len(FRAME_END) - 1))
            end = self._buffer.find(FRAME_END, start)
            if end < 0:
                self._searched = len(self._buffer)
                return frames
            frames.append(bytes(self._buffer[:end]))
            del self._buffer[: end + len(FRAME_END)]
            self._searched = 0

    def starts_like_json(self) -> bool:
        """Whether what waits so far is blank or begins as a JSON object does."""
        match = _LEADING_SPACE.match(self._buffer)
        end = match.end() if match else 0
        return bytes(self._buffer[end : end + 1]) in (b"", b"{")

    def has_content(self) -> bool:
        """Whether anything but white space waits after the frames returned."""
        return _NON_SPACE.search(self._buffer) is not None

    def preview(self, limit: int = 200) -> str:
        return self._buffer[:limit].decode("utf-8", "replace")


_LEADING_SPACE = re.compile(rb"\s*")
_NON_SPACE = re.compile(rb"\S")


def _preview(data: bytes, limit: int = 200) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "..."
