"""A persistent cache of verdicts in SQLite, so that a second run of a file is near instant.

The key covers everything that can change a verdict: the REPL and its project (toolchain,
manifest, binaries), the header and the normalised body, and the options that matter.
Only Lean's own verdicts and timeouts are kept; a timeout is reused only by a run whose
timeout is no longer than the one that timed out (for the kernel replay's timeouts, its
`--kernel-timeout`); a verdict that describes the
environment rather than the snippet (a module or .olean file that is missing, a REPL
that cannot start) is not kept at all. WAL mode makes it crash-safe; every write is its
own short transaction (autocommit), so several leancli runs share it at once without
one waiting for the other's slow snippet. A cache that is busy for longer than
BUSY_SECONDS, or damaged, costs one warning: the run goes on without it.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from leancli.options import CheckOptions, ReplSpec
from leancli.records import Outcome, Status, outcome_from_dict, outcome_to_dict

DATABASE = "results.sqlite3"
CACHED_STATUSES = frozenset({Status.PASS, Status.FAIL, Status.SORRY, Status.TIMEOUT})
BUSY_SECONDS = 5.0  # another run's write lasts milliseconds; longer is a stuck holder
STATS_BUSY_SECONDS = 1.0
# What Lean and the REPL say when the environment lacks something: not the snippet's fault.
ENVIRONMENT_MARKERS = (
    "unknown module prefix",
    "object file",
    "cannot start the REPL",
    "unknown package",
)

log = logging.getLogger("leancli")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key BLOB PRIMARY KEY,
    status TEXT NOT NULL,
    timeout REAL NOT NULL,
    outcome BLOB NOT NULL,
    created REAL NOT NULL
)
"""


def default_cache_dir() -> Path:
    from leancli.toolchain.cache_dirs import cache_root

    return cache_root() / "results"


def fingerprint(repl: ReplSpec, lean_version: str | None = None) -> str:
    """What identifies the checking environment: the REPL command, its project's
    toolchain and manifest, and the size and time of each binary the command names."""
    digest = hashlib.sha256()
    digest.update(orjson.dumps([list(repl.argv), str(repl.cwd), lean_version]))
    for name in ("lean-toolchain", "lake-manifest.json"):
        path = (repl.cwd or Path.cwd()) / name
        with suppress(OSError):
            digest.update(name.encode() + b"\0" + path.read_bytes())
    for part in repl.argv:
        with suppress(OSError, ValueError):
            stat = Path(part).stat()
            digest.update(f"{part}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def verdict_options(options: CheckOptions) -> bytes:
    """The options that can change a verdict (the timeout is handled apart)."""
    return orjson.dumps(verdict_option_values(options))


def verdict_option_values(options: CheckOptions) -> dict[str, Any]:
    """`verdict_options` as values (what a run's receipt lists)."""
    worker = options.worker
    return {
        "heartbeats": worker.lean.heartbeats,
        "elab_async": worker.lean.elab_async,
        "audit": worker.audit.enabled,
        "allowed": sorted(worker.audit.allowed),
        "native_decide": worker.audit.allow_native_decide,
        "eval": worker.audit.allow_eval,
        "trust": worker.trust,
        # Which checker replayed a pass: another one may reject what this one accepts.
        **({"checker": list(worker.kernel.identity)} if worker.kernel is not None else {}),
    }


def kernel_timeout(options: CheckOptions) -> float | None:
    """The replay's own timeout (`--kernel-timeout`), which its timeouts are kept against."""
    return options.worker.kernel.timeout if options.worker.kernel is not None else None


@dataclass(frozen=True)
class CacheStats:
    entries: int
    by_status: dict[str, int]
    bytes: int
    problem: str | None = None


class ResultCache:
    """Outcomes by snippet, for one checking environment (`fingerprint`)."""

    def __init__(self, directory: Path, fingerprint: str, options: bytes = b"") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DATABASE
        self._salt = fingerprint.encode() + b"\0" + options
        self._db: sqlite3.Connection | None = None
        try:
            self._db = _connect(self.path)
        except sqlite3.Error as exc:
            self._give_up(describe_failure(exc))
        self._guarded(lambda db: db.execute(_SCHEMA))

    @property
    def usable(self) -> bool:
        """False once the cache failed (busy, damaged): the run goes on without it."""
        return self._db is not None

    def key(self, identity: bytes) -> bytes:
        """The entry of a snippet of `identity` (`Snippet.dedup_identity`): its positions
        are kept as if its body's first line were line 0, so that a copy starting on
        another line shares it."""
        digest = hashlib.sha256(self._salt)
        digest.update(b"\0")
        digest.update(identity)
        return digest.digest()

    def get(
        self, key: bytes, timeout: float, kernel_timeout: float | None = None
    ) -> Outcome | None:
        row = self._guarded(
            lambda db: db.execute(
                "SELECT status, timeout, outcome FROM results WHERE key = ?", (key,)
            ).fetchone()
        )
        if row is None:
            return None
        status, timed_out_after, blob = row
        try:
            # The status column is the one to trust: entries of older versions lack it here.
            outcome = outcome_from_dict({**orjson.loads(blob), "status": status})
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            self._give_up(f"a damaged entry ({exc})")
            return None
        waits = _timeout_of(outcome, timeout, kernel_timeout)
        if status == Status.TIMEOUT.value and waits > timed_out_after:
            return None  # it might finish with the longer timeout
        return outcome

    def put(
        self, key: bytes, outcome: Outcome, timeout: float, kernel_timeout: float | None = None
    ) -> None:
        if not is_cacheable(outcome):
            return
        blob = orjson.dumps(outcome_to_dict(outcome))
        waited = _timeout_of(outcome, timeout, kernel_timeout)
        self._guarded(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
                (key, outcome.status.value, waited, blob, time.time()),
            )
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _guarded(self, action: Callable[[sqlite3.Connection], Any]) -> Any:
        """`action`'s value, or None once the cache failed (warned about once)."""
        if self._db is None:
            return None
        try:
            return action(self._db)
        except sqlite3.Error as exc:
            self._give_up(describe_failure(exc))
            return None

    def _give_up(self, why: str) -> None:
        log.warning("--cache %s: %s; going on without the cache", self.path, why)
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _timeout_of(outcome: Outcome, timeout: float, kernel_timeout: float | None) -> float:
    """The timeout that bounded `outcome`: the replay's for a timeout the kernel replay
    gave (`"trust": "kernel"`), else the REPL's."""
    if outcome.status is Status.TIMEOUT and outcome.trust == "kernel" and kernel_timeout:
        return kernel_timeout
    return timeout


def is_cacheable(outcome: Outcome) -> bool:
    """A verdict on the snippet, not on the environment it was checked in."""
    if outcome.status not in CACHED_STATUSES or outcome.header_timed_out:
        return False
    said = [outcome.error or ""]
    said += [str(message.get("data", "")) for message in outcome.messages]
    return not any(marker in text for text in said for marker in ENVIRONMENT_MARKERS)


def describe_failure(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"busy: another process holds it locked ({text})"
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return f"damaged: {text} (clear it with `leancli cache clear`, or delete the file)"
    return text


def cache_stats(directory: Path) -> CacheStats:
    """The cache's entries; `problem` says why they cannot be read (damaged, locked)."""
    path = directory / DATABASE
    if not path.exists():
        return CacheStats(0, {}, 0)
    size = sum(p.stat().st_size for p in _files(path) if p.exists())
    try:
        db = _connect(path)
        try:
            db.execute(_SCHEMA)
            rows = db.execute("SELECT status, COUNT(*) FROM results GROUP BY status").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return CacheStats(0, {}, size, problem=describe_failure(exc))
    by_status = {str(status): int(count) for status, count in rows}
    return CacheStats(sum(by_status.values()), by_status, size, problem=_write_blocked(path))


def _write_blocked(path: Path) -> str | None:
    """Why a run could not write to the cache now (a process holding its write lock)."""
    db = sqlite3.connect(path, timeout=STATS_BUSY_SECONDS, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return describe_failure(exc)
    finally:
        db.close()
    return None


def clear_cache(directory: Path) -> int:
    """Delete every entry; returns how many there were."""
    path = directory / DATABASE
    if not path.exists():
        return 0
    try:
        db = _connect(path)
        try:
            db.execute(_SCHEMA)
            count = int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
            db.execute("DELETE FROM results")
            db.commit()
            db.execute("VACUUM")
        finally:
            db.close()
    except sqlite3.OperationalError:
        raise  # locked by a run, say: never removed under it
    except sqlite3.DatabaseError:
        # Damaged beyond reading: clearing it is removing it (the next run makes a new one).
        for leftover in directory.glob(DATABASE + "*"):
            leftover.unlink(missing_ok=True)
        return 0
    return count


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: autocommit, no transaction left open between statements.
    # check_same_thread=False: a Checker opens it in the caller's thread and its run loop
    # uses it in another (one thread at a time; closed after that thread ends).
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _files(path: Path) -> Iterator[Path]:
    yield path
    yield path.with_name(path.name + "-wal")
    yield path.with_name(path.name + "-shm")


def describe(stats: CacheStats) -> dict[str, Any]:
    described: dict[str, Any] = {
        "entries": stats.entries,
        "by_status": stats.by_status,
        "bytes": stats.bytes,
    }
    if stats.problem is not None:
        described["problem"] = stats.problem
    return described
