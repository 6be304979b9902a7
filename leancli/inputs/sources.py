"""Where snippets come from, and where each result falls in its source file.

`leancli check PATH...` reads any number of inputs, in the order given, as one stream of
items: a JSONL file or `-` (standard input), a `.lean` file (one snippet, the whole
file, id the path), a directory (its files matching the globs, recursively, sorted by
path; hidden directories such as `.lake` are not entered), or a Markdown file (one
snippet per `lean`/`lean4` block, id `PATH:LINE` with LINE its opening fence's line).

Decisions:

- `line` is unique within a run: each input's items are numbered on from where the
  previous input stopped. A JSONL input takes as many numbers as it has lines (so with
  one JSONL input `line` is its line, as always), a `.lean` file one, a Markdown file one
  per block it checks. `source` and `source_line` (the line of the source where the
  snippet starts) say where a result came from; `--resume` relies on `line` and `id`.
- A file named twice (itself, and inside a directory given too) is read once.
- A block tagged `skip` is no item at all; it is kept in `SourceMap.skipped` for the
  reports. A block tagged `fails` passes when its verdict is `fail` (see
  `apply_expectation`).
"""

from __future__ import annotations

import enum
import fnmatch
import hashlib
import os
import stat
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from leancli.errors import LeancliError
from leancli.inputs.items import InputSpec, InvalidLine, Item, read_items
from leancli.inputs.markdown_blocks import CodeBlock, lean_blocks
from leancli.inputs.snippet import split_snippet
from leancli.records import Result, Status
from leancli.verdict.lexer import skip_trivia

# A directory gives its Lean files and the Lean blocks of its Markdown (documentation).
DEFAULT_GLOBS = ("*.lean", "*.md")
MARKDOWN_SUFFIXES = (".md", ".markdown")
STDIN = "-"


class SourceKind(str, enum.Enum):
    JSONL = "jsonl"
    LEAN = "lean"
    MARKDOWN = "markdown"


@dataclass(frozen=True, slots=True)
class Source:
    """One input file; `path` as the user named it (joined to its directory's), `-` stdin."""

    path: str
    kind: SourceKind

    @property
    def is_stream(self) -> bool:
        """Whether it can be read only once: standard input, a pipe, a FIFO, a device.
        Such an input is never read ahead (to count it, or for --strict or --resume)."""
        return self.path == STDIN or is_stream(self.path)


def is_stream(path: str) -> bool:
    """Whether `path` is anything but a regular file or directory (`<(cmd)`, /dev/stdin)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


class SourceError(LeancliError):
    """An input path that cannot be read (exit 2, before any REPL starts)."""


def kind_of(path: str) -> SourceKind:
    suffix = Path(path).suffix.lower()
    if suffix == ".lean":
        return SourceKind.LEAN
    if suffix in MARKDOWN_SUFFIXES:
        return SourceKind.MARKDOWN
    return SourceKind.JSONL


def expand_inputs(paths: Sequence[str], globs: Sequence[str] = ()) -> list[Source]:
    """The files `paths` name, in order; SourceError for one that is not there.

    `globs` pick the files of a directory (none given: DEFAULT_GLOBS)."""
    globs = globs or DEFAULT_GLOBS
    sources: list[Source] = []
    seen: set[str] = set()
    for path in paths:
        if path == STDIN:
            if STDIN in seen:
                raise SourceError("- (standard input) is given twice")
            found = [Source(STDIN, SourceKind.JSONL)]
        elif os.path.isdir(path):
            found = [Source(name, kind_of(name)) for name in _matching_files(path, globs)]
            if not found:
                shown = " ".join(f"--glob {glob!r}" for glob in globs)
                raise SourceError(f"{path}: no file in it matches {shown}")
        elif os.path.exists(path):
            found = [Source(path, kind_of(path))]
        else:
            raise SourceError(f"cannot read {path}: no such file or directory")
        for source in found:
            key = source.path if source.path == STDIN else os.path.realpath(source.path)
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources


def _matching_files(directory: str, globs: Sequence[str]) -> list[str]:
    """Files under `directory` whose path relative to it matches a glob (`*` crosses `/`)."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in files:
            relative = os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
            if any(fnmatch.fnmatchcase(relative, glob) for glob in globs):
                found.append(relative)
    return [str(Path(directory) / relative) for relative in sorted(found)]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a snippet is in its source: it starts at source line `line`; with
    `first_line`, snippet line n is source line `first_line + n - 1`."""

    source: str
    line: int
    first_line: int | None = None
    last_line: int = 0
    indents: tuple[int, ...] = ()
    must_fail: bool = False


@dataclass(frozen=True, slots=True)
class SkippedBlock:
    id: str
    source: str
    line: int


class InputDigest:
    """The sha256 of an input's bytes as they are read (standard input included), and how
    many were read: a run stopped early has hashed only what it read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._sha = hashlib.sha256()
        self._size = 0
        self._lock = threading.Lock()  # read in the input thread, described by the run's

    def update(self, data: bytes) -> None:
        with self._lock:
            self._sha.update(data)
            self._size += len(data)

    def over(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        for raw in lines:
            self.update(raw)
            yield raw

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"path": self.path, "sha256": self._sha.hexdigest(), "bytes": self._size}


@dataclass
class SourceMap:
    """Run line -> Location, filled as the inputs are read (results follow their items);
    `digests` hash each input as it is read."""

    _starts: list[int] = field(default_factory=list)
    _sources: list[str] = field(default_factory=list)
    _snippets: dict[int, Location] = field(default_factory=dict)
    skipped: list[SkippedBlock] = field(default_factory=list)
    digests: list[InputDigest] = field(default_factory=list)

    def begin(self, source: Source, offset: int) -> InputDigest:
        self._starts.append(offset)
        self._sources.append(shown(source.path))
        self.digests.append(InputDigest(shown(source.path)))
        return self.digests[-1]

    def add(self, run_line: int, location: Location) -> None:
        self._snippets[run_line] = location

    def locate(self, run_line: int) -> Location:
        known = self._snippets.get(run_line)
        if known is not None:
            return known
        at = max(0, bisect_right(self._starts, run_line - 1) - 1)
        offset = self._starts[at] if self._starts else 0
        source = self._sources[at] if self._sources else STDIN
        return Location(source, run_line - offset)


def read_sources(
    sources: Sequence[Source], spec: InputSpec, source_map: SourceMap, stdin: Iterable[bytes]
) -> Iterator[Item | InvalidLine]:
    """The items of every source in turn, `line` numbered on across them."""
    offset = 0
    for source in sources:
        digest = source_map.begin(source, offset)
        if source.kind is SourceKind.JSONL:
            counted = _CountedLines()
            yield from _jsonl_items(source, spec, offset, counted, stdin, digest)
            offset += counted.count + counted.failed
            continue
        name = shown(source.path)
        text = _read_text(source.path, digest)
        if isinstance(text, InvalidLine):
            offset += 1
            yield replace(text, line=offset)
            continue
        if source.kind is SourceKind.LEAN:
            if nothing_to_check(text):  # as a Markdown file without a `lean` block
                continue
            offset += 1
            source_map.add(offset, _whole_file_location(name, text))
            yield _item(offset, name, text)
            continue
        for block in lean_blocks(text):
            block_id = f"{name}:{block.fence_line}"
            if block.skipped:
                source_map.skipped.append(SkippedBlock(block_id, name, block.fence_line))
                continue
            offset += 1
            source_map.add(offset, _block_location(name, block))
            yield _item(offset, block_id, block.code)


@dataclass
class _CountedLines:
    count: int = 0
    failed: bool = False

    def over(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        for raw in lines:
            self.count += 1
            yield raw


def _jsonl_items(
    source: Source,
    spec: InputSpec,
    offset: int,
    counted: _CountedLines,
    stdin: Iterable[bytes],
    digest: InputDigest,
) -> Iterator[Item | InvalidLine]:
    try:
        if source.path == STDIN:
            yield from _shifted(read_items(counted.over(digest.over(stdin)), spec), offset)
            return
        with open(source.path, "rb") as handle:
            yield from _shifted(read_items(counted.over(digest.over(handle)), spec), offset)
    except OSError as exc:  # a file that went away since it was named: one invalid line
        counted.failed = True
        reason = exc.strerror or str(exc)
        name = shown(source.path)
        yield InvalidLine(offset + counted.count + 1, None, f"cannot read {name}: {reason}")


def _shifted(items: Iterator[Item | InvalidLine], offset: int) -> Iterator[Item | InvalidLine]:
    if offset == 0:
        yield from items
        return
    for item in items:
        yield replace(item, line=item.line + offset)


def _read_text(path: str, digest: InputDigest | None = None) -> str | InvalidLine:
    """The file's text (`digest` hashes its bytes); an InvalidLine saying why not."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        path = shown(path)
        return InvalidLine(0, path, f"cannot read {path}: {exc.strerror or exc}")
    if digest is not None:
        digest.update(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        path = shown(path)
        return InvalidLine(0, path, f"{path} is not valid UTF-8 (byte {exc.start + 1})")


def nothing_to_check(code: str) -> bool:
    """True when a `.lean` file holds no command: empty, comments or imports only. Such a
    file has no snippet (a run of nothing else exits 5), as in a JSONL line it is invalid."""
    body = split_snippet(code).body
    return skip_trivia(body, 0) >= len(body)


def shown(path: str) -> str:
    """`path` as text any result or report can hold: a file name's bytes that are not
    UTF-8 (decoded with surrogateescape) written as `\\xNN`."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def _item(line: int, item_id: str, code: str) -> Item | InvalidLine:
    if "\x00" in code:
        return InvalidLine(line, item_id, "snippet contains a NUL character")
    return Item(line, item_id, code)


def _whole_file_location(path: str, text: str) -> Location:
    return Location(path, 1, first_line=1, last_line=max(1, text.count("\n") + 1))


def _block_location(path: str, block: CodeBlock) -> Location:
    return Location(
        path,
        block.fence_line,
        first_line=block.first_line,
        last_line=block.end_line,
        indents=block.indents,
        must_fail=block.must_fail,
    )


def count_items(sources: Sequence[Source]) -> int | None:
    """How many results the sources give (None when a stream, such as stdin, is one of them)."""
    total = 0
    for source in sources:
        if source.is_stream:
            return None
        if source.kind is SourceKind.JSONL:
            total += _count_lines(source.path)
        elif source.kind is SourceKind.LEAN:
            text = _read_text(source.path)
            total += isinstance(text, InvalidLine) or not nothing_to_check(text)
        else:
            text = _read_text(source.path)
            if isinstance(text, InvalidLine):
                total += 1
            else:
                total += sum(not block.skipped for block in lean_blocks(text))
    return total


def _count_lines(path: str) -> int:
    count, last = 0, b"\n"
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 1
    return count + (last != b"\n")


def with_source_positions(data: dict[str, Any], location: Location) -> dict[str, Any]:
    """`data` (a result's dict) naming its source, each position also in the source's lines."""
    data["source"] = location.source
    data["source_line"] = location.line
    if location.first_line is not None:
        for key in ("messages", "sorries"):
            if data.get(key):
                data[key] = [_with_source_pos(entry, location) for entry in data[key]]
    return data


def _with_source_pos(entry: dict[str, Any], location: Location) -> dict[str, Any]:
    """A copy of one message or sorry: the REPL's entries may be shared between results."""
    moved = dict(entry)
    for key, new_key in (("pos", "source_pos"), ("endPos", "source_end_pos")):
        pos = entry.get(key)
        if isinstance(pos, dict) and isinstance(pos.get("line"), int):
            moved[new_key] = source_position(pos, location)
    return moved


def source_position(pos: dict[str, Any], location: Location) -> dict[str, int]:
    """A snippet position (1-based line, 0-based column) in the source's lines, kept within
    the snippet's lines (Lean puts an error "at the end of input" one line past them)."""
    first = location.first_line or 1
    snippet_line = max(1, int(pos["line"]))
    line = min(first + snippet_line - 1, max(location.last_line, first))
    column = pos.get("column", 0)
    column = column if isinstance(column, int) else 0
    if 0 < snippet_line <= len(location.indents):
        column += location.indents[snippet_line - 1]
    return {"line": line, "column": column}


EXPECTED_FAIL_PASSED = "a `lean fails` block must fail, but Lean accepted it"
EXPECTED_FAIL_SORRY = "a `lean fails` block must fail, but Lean only reported a sorry"


def apply_expectation(result: Result, location: Location) -> tuple[Result, dict[str, Any]]:
    """The result as the run counts it, and the fields that say so.

    For a `fails` block a `fail` verdict is the expected outcome: it is written as `pass`;
    `pass` and `sorry` are written as `fail`; `timeout`, `memory`, `crash` and `invalid`
    stay what they are (no verdict was reached). `verdict` keeps Lean's own.
    """
    if not location.must_fail:
        return result, {}
    extra = {"expected": Status.FAIL.value, "verdict": result.status.value}
    if result.status is Status.FAIL:
        return replace(result, status=Status.PASS, error=None), extra
    if result.status is Status.PASS:
        return replace(result, status=Status.FAIL, error=EXPECTED_FAIL_PASSED), extra
    if result.status is Status.SORRY:
        return replace(result, status=Status.FAIL, error=EXPECTED_FAIL_SORRY), extra
    return result, extra
