"""A JUnit XML report: one `testcase` per snippet, as GitLab, Jenkins and GitHub's
test-report actions read it.

The layout is the common one (the "Ant" JUnit schema, as Jenkins' junit plugin and
GitLab's parser take it): `<testsuites>` around one `<testsuite>` with `tests`,
`failures`, `errors`, `skipped` and `time`; each `<testcase>` has `classname` (the
source), `name` (the id) and `time`, plus `file` and `line` (which GitLab and the
GitHub actions use to link to the source, and which Jenkins ignores). A `fail` or
`sorry` is a `<failure>`, `timeout`, `memory`, `crash` and `invalid` are `<error>`s (no
verdict was reached), a `lean skip` block is `<skipped>`; their body lists the messages
at their source positions.

Testcases are written to a spool file as results arrive, so the report of a long run
costs no memory; `close` writes the report next to its path and renames it in place.
A link is written through (the file it points to is replaced, the link stays), and a
path that is not a regular file (`/dev/stdout`, a pipe) is written into, never replaced.
XML 1.0 cannot hold most control characters, even escaped: they are written as `\\xNN`.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import IO, Any

from leancli.reports import SKIPPED, display_name, failure_message

SUITE_NAME = "leancli"
FAILURE_STATUSES = frozenset({"fail", "sorry"})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 forbids spelt out as `\\xNN` / `\\uNNNN`."""
    return _NOT_XML.sub(lambda m: _spelt(m.group()), text)


def _spelt(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def testcase(data: dict[str, Any]) -> ET.Element:
    """The `<testcase>` of one result (or of a skipped block, status `skipped`)."""
    status = str(data.get("status"))
    source = data.get("source")
    time = data.get("time")
    attributes = {
        "classname": xml_text(str(source if source is not None else SUITE_NAME)),
        "name": xml_text(display_name(data)),
        "time": f"{float(time) if isinstance(time, (int, float)) else 0.0:.3f}",
    }
    if isinstance(source, str) and source != "-":
        attributes["file"] = xml_text(source)
        if isinstance(data.get("source_line"), int):
            attributes["line"] = str(data["source_line"])
    case = ET.Element("testcase", attributes)
    if status == SKIPPED:
        ET.SubElement(case, "skipped", {"message": "lean skip"})
    elif status != "pass":
        kind = "failure" if status in FAILURE_STATUSES else "error"
        message = failure_message(data)
        first = message.strip().split("\n", 1)[0]
        outcome = ET.SubElement(case, kind, {"message": xml_text(first), "type": status})
        outcome.text = xml_text(_body(data, message))
    return case


def _body(data: dict[str, Any], message: str) -> str:
    """The messages, one `FILE:LINE:COLUMN: severity: text` each (source lines where known)."""
    where = data.get("source") if data.get("source") not in (None, "-") else display_name(data)
    lines: list[str] = []
    for entry in data.get("messages") or []:
        if not isinstance(entry, dict):
            continue
        pos = entry.get("source_pos") or entry.get("pos") or {}
        line, column = pos.get("line", "?"), pos.get("column", 0)
        lines.append(f"{where}:{line}:{column}: {entry.get('severity')}: {entry.get('data')}")
    if not lines or (data.get("error") and str(data["error"]) not in "\n".join(lines)):
        lines.insert(0, message)
    return "\n".join(lines) + "\n"


class JUnitReport:
    """A report to be written to `path`; nothing appears there before `close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counts: Counter[str] = Counter()
        self.time = 0.0
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

    def add(self, data: dict[str, Any]) -> None:
        status = str(data.get("status"))
        self.counts[status] += 1
        time = data.get("time")
        self.time += float(time) if isinstance(time, (int, float)) else 0.0
        self._spool.write(ET.tostring(testcase(data), encoding="utf-8", xml_declaration=False))
        self._spool.write(b"\n")

    def suite_attributes(self) -> dict[str, str]:
        failures = sum(self.counts[status] for status in FAILURE_STATUSES)
        skipped = self.counts[SKIPPED]
        errors = sum(self.counts.values()) - failures - skipped - self.counts["pass"]
        return {
            "name": SUITE_NAME,
            "tests": str(sum(self.counts.values())),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
            "time": f"{self.time:.3f}",
        }

    def close(self) -> None:
        """Write the report to its path (replacing what was there)."""
        attributes = " ".join(f'{k}="{v}"' for k, v in self.suite_attributes().items())
        target = self._target
        target.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        target.write(f"<testsuites {attributes}>\n<testsuite {attributes}>\n".encode())
        self._spool.seek(0)
        while chunk := self._spool.read(1 << 20):
            target.write(chunk)
        target.write(b"</testsuite>\n</testsuites>\n")
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
