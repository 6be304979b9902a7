"""The JSONL writer that streams results out."""

from __future__ import annotations

import os
from typing import IO

from leancli.records import Result


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
