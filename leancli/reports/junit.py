"""A JUnit XML report: one `testcase` per snippet, valid against both JUnit schemas CI
tools check reports with: Jenkins xUnit's `junit-10.xsd` and the common Ant `JUnit.xsd`
(windyroad/JUnit-Schema), which GitLab's and GitHub's report readers also accept.

What both schemas allow is narrow: a bare `<testsuites>` around one `<testsuite>` with
`name`, `package`, `id`, `tests`, `failures`, `errors`, `skipped`, `time` (at most three
decimals), `timestamp` (`YYYY-MM-DDTHH:MM:SS`, no zone) and `hostname`; in it, in this
order, `<properties/>`, the testcases, `<system-out/>` and `<system-err/>`; a testcase has
`classname`, `name` and `time` and at most one of `<failure>`, `<error>`, `<skipped>`
(no `file` or `line` attribute: the body says where).

`classname` is the source's path as a dotted name (`samples/basics.jsonl` is
`samples.basics`), since Jenkins splits it at the last `.` into package and class;
`name` is the id plus the input line where the id alone may repeat (k samples of one
problem), as GitLab keeps only the first of testcases with the same name. A `fail` or
`sorry` is a `<failure>`, `timeout`, `memory`, `crash` and `invalid` are `<error>`s (no
verdict was reached), a skipped snippet is `<skipped>` saying why; the body lists the
messages as `FILE:LINE:COL` (1-based columns, as the annotations give them).

Testcases are written to a spool file as results arrive, so the report of a long run
costs no memory; `close` writes the report next to its path and renames it in place.
A link is written through (the file it points to is replaced, the link stays), and a
path that is not a regular file (`/dev/stdout`, a pipe) is written into, never replaced.
XML 1.0 cannot hold most control characters, even escaped: they are written as `\\xNN`.
"""

from __future__ import annotations

import math
import os
import re
import socket
import stat
import tempfile
import time as clock
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import IO, Any

from leancli.inputs.sources import STDIN
from leancli.reports import SKIPPED, display_name, failure_message, pass_trust

SUITE_NAME = "leancli"
FAILURE_STATUSES = frozenset({"fail", "sorry"})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 forbids spelt out as `\\xNN` / `\\uNNNN`."""
    return _NOT_XML.sub(lambda m: _spelt(m.group()), text)


def _spelt(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def class_name(source: object) -> str:
    """The source's path as a dotted name: directories, then the file's name without its
    suffix (`samples/basics.jsonl` -> `samples.basics`), any other `.` made `_`, so that
    Jenkins' split at the last `.` gives the directory as package and the file as class."""
    if not isinstance(source, str) or source == STDIN:
        return "stdin"
    path = Path(source)
    parts = [*path.parent.parts, path.stem if path.suffix else path.name]
    names = [part.replace(".", "_") for part in parts if part not in ("/", ".", "")]
    return ".".join(names) or SUITE_NAME


def case_name(data: dict[str, Any]) -> str:
    """The id, plus the input line unless the id names it already: samples that share an
    id (k samples of one problem) stay apart in every CI's listing."""
    name = display_name(data)
    line = data.get("source_line", data.get("line"))
    if line is None or name in (data.get("source"), f"{data.get('source')}:{line}"):
        return name
    return f"{name} (line {line})"


def skip_reason(data: dict[str, Any]) -> str:
    if data.get("skipped_for") is not None:
        line = data.get("skipped_for_line", data["skipped_for"])
        source = data.get("skipped_for_source")
        where = f"{source} " if isinstance(source, str) and source != STDIN else ""
        return f"--first-pass: another sample of its problem passed first: {where}(line {line})"
    return "a `lean skip` block: not checked"


# A time past this (kept results may hold any float, 1e308 s included) is written as it:
# a suite's sum stays finite, and every time a short decimal both schemas accept.
_LONGEST = 1e12


def _seconds(value: object) -> float:
    seconds = float(value) if isinstance(value, (int, float)) else 0.0
    return min(seconds, _LONGEST) if math.isfinite(seconds) and seconds > 0 else 0.0


def testcase(data: dict[str, Any], classname: str | None = None) -> ET.Element:
    """The `<testcase>` of one result (or of a skipped block, status `skipped`);
    `classname` is its source's (by default `class_name`'s)."""
    status = str(data.get("status"))
    if classname is None:
        classname = class_name(data.get("source"))
    attributes = {
        "classname": xml_text(classname),
        "name": xml_text(case_name(data)),
        "time": f"{_seconds(data.get('time')):.3f}",
    }
    case = ET.Element("testcase", attributes)
    if status == SKIPPED:
        ET.SubElement(case, "skipped", {"message": skip_reason(data)})
    elif status != "pass":
        kind = "failure" if status in FAILURE_STATUSES else "error"
        message = failure_message(data)
        first = message.strip().split("\n", 1)[0]
        outcome = ET.SubElement(case, kind, {"message": xml_text(first), "type": status})
        outcome.text = xml_text(_body(data, message))
    return case


def _body(data: dict[str, Any], message: str) -> str:
    """The messages, one `FILE:LINE:COL: severity: text` each, as the annotations place
    them: in a .lean or Markdown file its line and 1-based column there; in a JSONL file
    its line, and the position inside the snippet after the severity."""
    source = data.get("source")
    where = source if source not in (None, STDIN) else display_name(data)
    input_line = data.get("source_line", data.get("line", "?"))
    lines: list[str] = []
    for entry in data.get("messages") or []:
        if not isinstance(entry, dict):
            continue
        severity, text = entry.get("severity"), entry.get("data")
        at = entry.get("source_pos")
        pos = entry.get("pos")
        if isinstance(at, dict):
            lines.append(f"{where}:{at.get('line')}:{_column(at)}: {severity}: {text}")
        elif isinstance(pos, dict):
            inside = f"snippet {pos.get('line', '?')}:{_column(pos)}"
            lines.append(f"{where}:{input_line}: {severity} at {inside}: {text}")
        else:
            lines.append(f"{where}:{input_line}: {severity}: {text}")
    if not lines or (data.get("error") and str(data["error"]) not in "\n".join(lines)):
        # No Lean message says where (a timeout, a crash, a refusal): the snippet's own
        # first line, as the annotation places it.
        lines.insert(0, f"{where}:{input_line}: {message}")
    return "\n".join(lines) + "\n"


def _column(pos: dict[str, Any]) -> int:
    """Lean's 0-based column, 1-based as editors, compilers and GitHub count."""
    column = pos.get("column")
    return column + 1 if isinstance(column, int) else 1


class JUnitReport:
    """A report to be written to `path`; nothing appears there before `close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counts: Counter[str] = Counter()
        self.passes_by_trust: Counter[str] = Counter()
        self.time = 0.0
        self.timestamp = clock.strftime("%Y-%m-%dT%H:%M:%S", clock.gmtime())
        # Through links: the file at the end of them is the one replaced.
        real = self._real = Path(os.path.realpath(path))
        self._target_name: str | None = None
        if _is_special(path):
            # Opened now, so that one that cannot be written fails before the run starts
            # (by its own name: /dev/stdout's link leads nowhere realpath can follow).
            self._target: IO[bytes] = path.open("wb")
        else:
            # Made now, so that a path that cannot be written fails before the run starts.
            fd, name = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
            self._target = os.fdopen(fd, "wb")
            self._target_name = name
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close)
        # Source -> classname, one to one: two sources that `class_name` maps alike
        # (`x.y.jsonl` and `x_y.jsonl`, `-` and `stdin.jsonl`) get `_2`, `_3`, ... after it.
        self._classnames: dict[object, str] = {}
        self._taken: set[str] = set()

    def classname(self, source: object) -> str:
        key = source if isinstance(source, str) and source != STDIN else STDIN
        known = self._classnames.get(key)
        if known is not None:
            return known
        base = name = class_name(source)
        number = 1
        while name in self._taken:
            number += 1
            name = f"{base}_{number}"
        self._classnames[key] = name
        self._taken.add(name)
        return name

    def add(self, data: dict[str, Any]) -> None:
        status = str(data.get("status"))
        self.counts[status] += 1
        if (trust := pass_trust(data)) is not None:
            self.passes_by_trust[trust] += 1
        self.time += _seconds(data.get("time"))
        self._spool.write(
            ET.tostring(
                testcase(data, self.classname(data.get("source"))),
                encoding="utf-8",
                xml_declaration=False,
            )
        )
        self._spool.write(b"\n")

    def suite_attributes(self) -> dict[str, str]:
        failures = sum(self.counts[status] for status in FAILURE_STATUSES)
        skipped = self.counts[SKIPPED]
        errors = sum(self.counts.values()) - failures - skipped - self.counts["pass"]
        return {
            "name": SUITE_NAME,
            "package": SUITE_NAME,
            "id": "0",
            "tests": str(sum(self.counts.values())),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
            "time": f"{min(self.time, _LONGEST):.3f}",
            "timestamp": self.timestamp,
            "hostname": xml_text(socket.gethostname().strip()) or "localhost",
        }

    def close(self) -> None:
        """Write the report to its path (replacing what was there)."""
        suite = ET.tostring(ET.Element("testsuite", self.suite_attributes()), encoding="unicode")
        target = self._target
        target.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
        target.write(suite.removesuffix(" />").encode() + b">\n")
        # The passes by how far they were checked (both schemas allow properties here).
        target.write(b"<properties>\n")
        for trust, count in sorted(self.passes_by_trust.items()):
            target.write(f'<property name="passes.{trust}" value="{count}" />\n'.encode())
        target.write(b"</properties>\n")
        self._spool.seek(0)
        while chunk := self._spool.read(1 << 20):
            target.write(chunk)
        target.write(b"<system-out />\n<system-err />\n</testsuite>\n</testsuites>\n")
        target.close()
        self._spool.close()
        if self._target_name is not None:
            os.chmod(self._target_name, 0o644)
            os.replace(self._target_name, self._real)

    def discard(self) -> None:
        self._spool.close()
        self._target.close()
        if self._target_name is not None and os.path.exists(self._target_name):
            os.unlink(self._target_name)


def _is_special(path: Path) -> bool:
    """Whether `path` is there and is not a regular file (a device, a pipe, a socket)."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
