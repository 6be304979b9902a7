"""The result of checking one snippet, and the JSONL writer that streams results out."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from typing import IO, Any

import orjson


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    SORRY = "sorry"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASH = "crash"
    INVALID = "invalid"


@dataclass
class Result:
    """One output line: the verdict on the snippet at input line `line`."""

    line: int
    id: str | None
    status: Status
    time: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)
    sorries: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    duplicate_of: int | None = None
    axioms: dict[str, list[str]] | None = None
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "line": self.line,
            "status": self.status.value,
            "time": round(self.time, 4),
            "messages": self.messages,
            "sorries": self.sorries,
        }
        if self.error is not None:
            out["error"] = self.error
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
        if self.axioms is not None:
            out["axioms"] = self.axioms
        if self.cached:
            out["cached"] = True
        return out

    def to_json_line(self) -> bytes:
        return orjson.dumps(self.to_dict()) + b"\n"


class ResultWriter:
    """Writes each result as one whole line with a single write, flushed at once.

    A single `os.write` of the complete line means a killed process leaves at most
    one torn line at the end of the file, never an interleaved one.
    """

    def __init__(self, stream: IO[bytes], *, fsync: bool = False) -> None:
        self._stream = stream
        self._fd = stream.fileno()
        self._fsync = fsync

    def write(self, result: Result) -> None:
        self._stream.flush()
        data = result.to_json_line()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self._fsync:
            os.fsync(self._fd)
