"""Continue an interrupted run: which input lines already have a result in the output.

Each result records a short hash of what it was computed from (`snippet_hash`: the
snippet as written, its statement, and the options that can change a verdict), so that
a line edited since, or one that `--template`/`--code-field` now builds differently, is
checked again instead of keeping a verdict on another snippet. Results of leancli
versions before that field are kept as they are.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path

import orjson

from leancli.errors import LeancliError
from leancli.inputs.items import InvalidLine, Item
from leancli.options import CheckOptions
from leancli.records import Status
from leancli.run.cache import kernel_timeout, verdict_options

_STATUSES = frozenset(status.value for status in Status)
MAX_LINE = 10**9  # beyond any input leancli is given; the arrays below grow to the line


class ResumeError(LeancliError):
    """The output file cannot be continued safely."""


class DoneLines:
    """Input lines already answered, with a checksum of their id.

    Two compact arrays instead of a set of tuples keep resuming a run of millions of
    lines within a few megabytes.
    """

    def __init__(self) -> None:
        self._done = bytearray()  # 0: no result, else _PASSED or _NOT_PASSED
        self._ids = array("I")
        self._hashes = array("Q")  # the result's snippet_hash, 0 if it has none
        self._copied = array("I")  # the result's duplicate_of, 0 if it has none
        self.failed = 0  # results kept from before that are not `pass`
        # `skipped` (--first-pass) results and the line whose pass each relies on (0 if
        # it names none): what they depend on may have changed since.
        self.skipped: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._done) - self._done.count(0)

    def add(
        self,
        line: int,
        item_id: str | None,
        computed_from: str | None = None,
        passed: bool = True,
        duplicate_of: int = 0,
    ) -> None:
        if line >= len(self._done):
            grow = line + 1 - len(self._done)
            self._done.extend(bytes(grow))
            self._ids.extend([0] * grow)
            self._hashes.extend([0] * grow)
            self._copied.extend([0] * grow)
        self._copied[line] = duplicate_of
        if self._done[line] == _NOT_PASSED:
            self.failed -= 1
        self._done[line] = _PASSED if passed else _NOT_PASSED
        self.failed += not passed
        self._ids[line] = _checksum(item_id)
        self._hashes[line] = _hash_number(computed_from)

    def stale(self, line: int, computed_from: str) -> bool:
        """Whether `line` has a result computed from another snippet than `computed_from`."""
        if line >= len(self._done) or not self._done[line]:
            return False
        recorded = self._hashes[line]
        return recorded != 0 and recorded != _hash_number(computed_from)

    def passed(self, line: int) -> bool:
        """Whether `line`'s result is a `pass` (not `skipped`)."""
        return line < len(self._done) and self._done[line] == _PASSED and line not in self.skipped

    def copied_from(self, line: int) -> int:
        """The line whose result `line`'s result copies (dedup), 0 if none."""
        return self._copied[line] if line < len(self._copied) else 0

    def lines(self) -> Iterator[int]:
        """The input lines that have a result, in order."""
        return (line for line, done in enumerate(self._done) if done)

    def forget(self, line: int) -> None:
        """`line` has no result any more (its old one was dropped from the output)."""
        if line < len(self._done) and self._done[line]:
            self.failed -= self._done[line] == _NOT_PASSED
            self._done[line] = 0

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


class LineMarks:
    """A set of input lines in one byte each (millions of lines stay a few megabytes)."""

    def __init__(self) -> None:
        self._marks = bytearray()

    def add(self, line: int) -> None:
        if line >= len(self._marks):
            self._marks.extend(bytes(line + 1 - len(self._marks)))
        self._marks[line] = 1

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and 0 <= line < len(self._marks) and bool(self._marks[line])


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
                line = result["line"]
                item_id = result.get("id")
                if not isinstance(line, int) or isinstance(line, bool):
                    raise ValueError(f"its line is {line!r}, not a whole number")
                if result.get("status") not in _STATUSES:
                    raise ValueError(f"its status is {result.get('status')!r}")
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ResumeError(
                    f"{path}, line {number}: not a leancli result ({exc}); cannot resume"
                ) from exc
            if not 1 <= line <= MAX_LINE:
                raise ResumeError(
                    f"{path}, line {number}: answers input line {line}, which no input has; "
                    "cannot resume"
                )
            computed_from = result.get("snippet_hash")
            copied = result.get("duplicate_of")
            done.add(
                line,
                None if item_id is None else str(item_id),
                computed_from if isinstance(computed_from, str) else None,
                passed=result.get("status") in ("pass", "skipped"),  # skipped: solved
                duplicate_of=copied if isinstance(copied, int) and 0 < copied <= MAX_LINE else 0,
            )
            if result.get("status") == "skipped":
                passing = result.get("skipped_for")
                valid = isinstance(passing, int) and not isinstance(passing, bool)
                done.skipped[line] = passing if valid and 0 < passing <= MAX_LINE else 0
            else:
                done.skipped.pop(line, None)
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


def run_options(options: CheckOptions) -> bytes:
    """What a result's `snippet_hash` covers beyond the snippet: the cache's
    `verdict_options`, and what the cache keeps apart but changes a run's verdicts all
    the same: the timeouts (`--kernel-timeout` too), the memory limits, the REPL as
    started (sandbox included) and its project (the cache's `fingerprint`). `--resume`
    checks again a line whose result was computed under others."""
    worker = options.worker
    replay = kernel_timeout(options)
    return verdict_options(options) + orjson.dumps(
        {
            "timeout": worker.timeout,
            "import_timeout": worker.import_timeout,
            "memory": [worker.memory.rss_mb, worker.memory.address_space_mb],
            "repl": [list(worker.repl.argv), str(worker.repl.cwd)],
            "environment": [list(pair) for pair in worker.environment],
            "fingerprint": options.fingerprint,
            # The kernel replay's own timeout: a longer one may turn its `timeout` into a
            # verdict (absent without --trust kernel, so other runs' hashes are unchanged).
            **({"kernel_timeout": replay} if replay is not None else {}),
        }
    )


def snippet_hash(entry: Item | InvalidLine, verdict_options: bytes) -> str:
    """A short hash of what the verdict on `entry` is computed from: the snippet as
    written (header, body and where it starts), its statement and preamble, the options that
    can change a verdict (`run_options`); for an invalid line, why."""
    digest = hashlib.blake2b(digest_size=8)
    if isinstance(entry, InvalidLine):
        digest.update(b"invalid\0" + entry.error.encode())
    else:
        digest.update(b"snippet\0" + entry.code.encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + (entry.statement or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + (entry.preamble or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + verdict_options)
    return digest.hexdigest()


def _hash_number(computed_from: str | None) -> int:
    if computed_from is None:
        return 0
    try:
        return int(computed_from[:16], 16) or 1
    except ValueError:  # not written by leancli: compared by its checksum
        return zlib.crc32(computed_from.encode()) or 1


_PASSED, _NOT_PASSED = 1, 2


def _checksum(item_id: str | None) -> int:
    return zlib.crc32(b"\x00" if item_id is None else item_id.encode())
