"""What a REPL's process tree costs in memory: its anonymous resident pages.

A REPL that imports Mathlib maps every .olean file of its imports (about 5 GB). Those
pages are file-backed: every REPL importing the same files shares them, and the kernel
drops them under pressure and reads them back when needed. Counted as VmRSS, they put
a freshly imported Mathlib REPL near 80% of an 8 GiB limit. What a REPL really costs is
its anonymous memory (Lean's heap and stacks): `RssAnon` in /proc/PID/status.
"""

from __future__ import annotations

import contextlib
import os
import re

import psutil

_RSS_ANON = re.compile(rb"^RssAnon:\s+(\d+) kB", re.MULTILINE)
_VM_RSS = re.compile(rb"^VmRSS:\s+(\d+) kB", re.MULTILINE)
_HAS_PROC = os.path.isfile("/proc/self/status")


def tree_anon_rss(pid: int | None) -> int:
    """Anonymous resident bytes of a process and all its descendants (0 if it is gone).

    Where /proc has no RssAnon (Linux before 4.5) it is VmRSS; without /proc (macOS) it
    is psutil's resident size: file pages then count too, as they cannot be told apart.
    """
    if pid is None:
        return 0
    return sum(anon_rss(member) for member in descendants(pid))


def anon_rss(pid: int) -> int:
    """One process's anonymous resident bytes, as `tree_anon_rss` measures them."""
    if not _HAS_PROC:
        try:
            return int(psutil.Process(pid).memory_info().rss)
        except psutil.Error:
            return 0
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            status = handle.read()
    except OSError:  # gone meanwhile
        return 0
    return resident_from_status(status)


def resident_from_status(status: bytes) -> int:
    """RssAnon in bytes from the text of /proc/PID/status, else VmRSS, else 0."""
    found = _RSS_ANON.search(status) or _VM_RSS.search(status)
    return int(found.group(1)) * 1024 if found else 0


def descendants(pid: int) -> list[int]:
    """`pid` and everything below it.

    On Linux from /proc/PID/task/*/children, which costs microseconds, where psutil's
    `children()` reads the status of every process on the machine.
    """
    if not os.path.isdir(f"/proc/{pid}/task"):
        try:
            process = psutil.Process(pid)
            return [pid, *(child.pid for child in process.children(recursive=True))]
        except psutil.Error:
            return [pid]
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    found.extend(int(child) for child in handle.read().split())
    return found


def tree_cpu_seconds(pid: int | None) -> float:
    """CPU seconds of a process tree: each live member's own, plus its reaped children's
    (a member is either alive and counted itself, or reaped into its parent's)."""
    if pid is None:
        return 0.0
    total = 0.0
    for member in descendants(pid):
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(member).cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total
