"""Continue an interrupted run: which input lines already have a result in the output."""

from __future__ import annotations

import os
import zlib
from array import array
from pathlib import Path

import orjson

from leancli.errors import LeancliError

MAX_LINE = 10**9  # beyond any input leancli is given; the arrays below grow to the line


class ResumeError(LeancliError):
    """The output file cannot be continued safely."""


class DoneLines:
    """Input lines already answered, with a checksum of their id.

    Two compact arrays instead of a set of tuples keep resuming a run of millions of
    lines within a few megabytes.
    """

    def __init__(self) -> None:
        self._done = bytearray()
        self._ids = array("I")
        self.failed = 0  # results kept from before that are not `pass`

    def __len__(self) -> int:
        return sum(self._done)

    def add(self, line: int, item_id: str | None) -> None:
        if line >= len(self._done):
            grow = line + 1 - len(self._done)
            self._done.extend(bytes(grow))
            self._ids.extend([0] * grow)
        self._done[line] = 1
        self._ids[line] = _checksum(item_id)

    def answered(self, line: int, item_id: str | None) -> bool:
        """True if `line` has a result; ResumeError if that result names another id."""
        if line >= len(self._done) or not self._done[line]:
            return False
        if self._ids[line] != _checksum(item_id):
            raise ResumeError(
                f"the output answers input line {line} for another id than {item_id!r}: "
                "is this the same input file? Use --force to start over."
            )
        return True


def prepare_output(path: Path, *, resume: bool, force: bool) -> DoneLines:
    """Check the output file before a run; with `resume`, read what it already holds."""
    done = DoneLines()
    if not path.exists() or path.stat().st_size == 0:
        return done
    if force:
        path.write_bytes(b"")
        return done
    if not resume:
        raise ResumeError(
            f"{path} exists and is not empty: pass --resume to continue that run, "
            "or --force to overwrite it"
        )
    _drop_torn_last_line(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                result = orjson.loads(raw)
                line = int(result["line"])
                item_id = result.get("id")
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ResumeError(
                    f"{path}, line {number}: not a leancli result ({exc}); cannot resume"
                ) from exc
            if not 1 <= line <= MAX_LINE:
                raise ResumeError(
                    f"{path}, line {number}: answers input line {line}, which no input has; "
                    "cannot resume"
                )
            done.add(line, None if item_id is None else str(item_id))
            done.failed += result.get("status") != "pass"
    return done


def _drop_torn_last_line(path: Path) -> None:
    """A process killed mid-write leaves a last line without its newline: cut it off."""
    size = path.stat().st_size
    with path.open("rb+") as handle:
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return
        position = size
        block = 1 << 16
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                os.fsync(handle.fileno())
                return
            position = start
        handle.truncate(0)


def _checksum(item_id: str | None) -> int:
    return zlib.crc32(b"\x00" if item_id is None else item_id.encode())
