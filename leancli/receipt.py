"""A run's receipt: what was checked, with what, and what came out, to reproduce a run.

`leancli check -o FILE` leaves it beside its results as `FILE.receipt.json`
(`Checker.receipt()` gives the same fields for a warm checker): leancli's version, the
Lean version, the REPL's revision, the revisions `lake-manifest.json` pins (Mathlib's
among them), the options that can change a verdict, each input's sha256 as it was read,
the start and end times and the results by status.

Decisions:

- The receipt goes beside the file the results are written to: through a symlinked
  `-o`, beside its target, and `receipt_path` finds it from either name. A receipt that
  is itself a symlink is written through (its target replaced, the link kept).
- Only a regular-file output gets one (`regular_output`): none for standard output, a
  FIFO, a device or `/dev/stdout`, which cannot be read back (reading a pipe the run
  itself writes would block for ever) and pin no file.
- It is written whole or not at all (a temporary file, then a rename), once before any
  REPL starts (`"complete": false`, no end time: a run killed outright still leaves
  one), and again when the run ends or is interrupted.
- `counts` are those of the whole results file, so a `--resume`d run's receipt covers
  the results kept from before too (`resumed` says how many); `results_file` pins that
  file (its bytes and sha256), and `stats` shows the receipt only when the file is still
  the one pinned (a later `check > FILE` rewrites the results, not the receipt).
- What is known is said, what is not is null: a REPL not built in a checkout has no
  revision, a directory without a manifest no packages. Under `--executor ray` the
  facts are read where leancli runs, which the nodes are expected to mirror.

May import: `toolchain` (the facts about the REPL and its project), `run.cache` (the
options that change a verdict), `simulated` and the base modules.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import shlex
import stat
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from leancli import simulated
from leancli.options import CheckOptions, ReplSpec
from leancli.version import __version__

SUFFIX = ".receipt.json"
FORMAT = 1  # the receipt's own version: fields are added, never changed in meaning


def receipt_path(results: Path | str) -> Path:
    """Where the receipt of the results file `results` is (beside the file a symlink names)."""
    real = Path(os.path.realpath(results))
    return real.with_name(real.name + SUFFIX)


def regular_output(results: Path | str) -> bool:
    """Whether `results` is a regular file named as one: not a FIFO, a device, or a name
    in /dev or /proc (`/dev/stdout` is a regular file when stdout is redirected to one,
    but the receipt would then describe whatever the shell chose, so it gets none)."""
    path = os.path.abspath(results)
    for _ in range(40):  # follow the links one at a time, as the kernel would
        if any(path == top or path.startswith(top + os.sep) for top in ("/dev", "/proc")):
            return False
        if not os.path.islink(path):
            break
        path = os.path.join(
            os.path.realpath(os.path.dirname(path)), os.readlink(path)
        )  # a relative link is relative to the link's (real) directory
        path = os.path.normpath(path)
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def now() -> str:
    """The time as receipts write it: ISO 8601, UTC, to the second."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def environment(
    options: CheckOptions, input_options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What the run checks with: leancli, Lean, the REPL, its project, the options (and
    `input_options`: how each snippet is made, `InputSpec.verdict_values`)."""
    from leancli.run.cache import verdict_option_values

    repl = options.found_repl or options.worker.repl
    facts: dict[str, Any] = {
        "format": FORMAT,
        "leancli": __version__,
        "lean": options.lean_version,
        "repl": _repl(repl),
        "project": None,
        "mathlib": None,
        "executor": options.executor,
        "options": {
            **verdict_option_values(options),
            "timeout": options.worker.timeout,
            "memory_limit_mb": options.worker.memory.rss_mb,
            **({"kernel_timeout": kernel.timeout} if (kernel := options.worker.kernel) else {}),
            **(input_options or {}),
        },
    }
    if simulated.is_simulated_argv(repl.argv):
        facts["lean"] = simulated.NAME  # answers recorded from several Lean versions
        return facts
    try:
        project = _project(repl.cwd or Path.cwd())
    except OSError:  # the current directory was removed
        return facts
    facts["project"] = project
    packages = project["packages"] or {}
    facts["mathlib"] = next(
        (rev for name, rev in packages.items() if name.lower() == "mathlib"), None
    )
    return facts


def _repl(spec: ReplSpec) -> dict[str, Any]:
    """The REPL command, and the commit its binary was built from when its checkout says."""
    if simulated.is_simulated_argv(spec.argv):
        return {"command": simulated.NAME, "path": None, "revision": None, "patches": []}
    from leancli.toolchain.repl_checkout import read_checkout, repl_executable

    binary = repl_executable(list(spec.argv))
    checkout = read_checkout(binary) if binary is not None else None
    return {
        "command": shlex.join(spec.argv),
        "path": None if binary is None else str(binary),
        "revision": None if checkout is None else checkout.revision,
        "patches": [] if checkout is None else list(checkout.patches),
    }


def _project(directory: Path) -> dict[str, Any]:
    """The directory the REPL runs in: its Lean toolchain and the revisions its
    lake-manifest.json pins."""
    from leancli.toolchain.lake import MANIFEST, manifest_revisions
    from leancli.toolchain.versions import read_toolchain

    toolchain = read_toolchain(directory, search_parents=False)
    return {
        "path": str(directory.resolve()),
        "lean_toolchain": None if toolchain is None else toolchain.name,
        "manifest": str(directory.resolve() / MANIFEST),
        "packages": manifest_revisions(directory),
    }


def receipt(
    facts: Mapping[str, Any],
    *,
    complete: bool,
    started: str,
    ended: str | None,
    inputs: Sequence[Mapping[str, Any]],
    counts: Mapping[str, int],
    **more: Any,
) -> dict[str, Any]:
    """The receipt: `facts` (`environment`), the run's times, inputs and counts."""
    return {
        **facts,
        "complete": complete,
        "started": started,
        "ended": ended,
        "inputs": [dict(entry) for entry in inputs],
        "results": sum(counts.values()),
        "counts": dict(sorted(counts.items())),
        **more,
    }


def snippet_bytes(snippet: object) -> bytes:
    """A snippet given to `Checker` as its receipt hashes it: its text (an `Item`'s code,
    a mapping's JSON) and a newline, so mappings hash as the JSONL file of their lines."""
    if isinstance(snippet, Mapping):
        try:
            text = json.dumps(dict(snippet), ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(snippet)
    else:
        text = str(getattr(snippet, "code", snippet))
    return text.encode("utf-8", "surrogatepass") + b"\n"


def read_results(results: Path) -> tuple[Counter[str], dict[str, Any]]:
    """The results of a results file by status, and the file as a receipt pins it (its
    size and sha256), so that `stats` can tell whether the receipt is this file's."""
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()
    size = 0
    # Opened without blocking and checked before it is read: a FIFO (or /dev/stdout in
    # a pipeline) would wait for a writer, or read the run's own results back.
    fd = os.open(results, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(results))
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        for raw in handle:
            digest.update(raw)
            size += len(raw)
            with contextlib.suppress(orjson.JSONDecodeError):
                data = orjson.loads(raw)
                if isinstance(data, dict) and isinstance(data.get("status"), str):
                    counts[data["status"]] += 1
    return counts, {"bytes": size, "sha256": digest.hexdigest()}


def stale_reason(content: Mapping[str, Any], results: Path | str) -> str | None:
    """Why the receipt `content` does not describe the results file `results` (rewritten
    by another run, or grown by a run killed outright); None when it does, or when the
    receipt pins no results file (Checker.receipt, leancli before the pin)."""
    pinned = content.get("results_file")
    if not isinstance(pinned, dict):
        return None
    try:
        _, found = read_results(Path(results))
    except OSError as exc:
        return f"cannot read {results}: {exc.strerror or exc}"
    if found == pinned:
        return None
    return (
        f"it pins a results file of {pinned.get('bytes')} bytes (sha256 "
        f"{str(pinned.get('sha256'))[:12]}...), this one has {found['bytes']} bytes (sha256 "
        f"{found['sha256'][:12]}...): written by another run, or by a run killed before it ended"
    )


def write_receipt(path: Path, content: Mapping[str, Any]) -> None:
    """Write `content` to `path` whole or not at all (a temporary file beside it, synced,
    then renamed over it); OSError when it cannot be written. A symlinked `path` is
    written through: the file it points to is replaced and the link kept. A `path` that
    is not a regular file (a device, a FIFO) is written into, never replaced."""
    data = orjson.dumps(content, option=orjson.OPT_INDENT_2) + b"\n"
    path = Path(os.path.realpath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = stat.S_IFREG
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # no reader: ENXIO
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def read_receipt(results: Path | str) -> dict[str, Any] | None:
    """The receipt beside the results file `results`; None when there is none (or it is
    not a receipt, or `results` is no regular file: such an output gets none)."""
    if not regular_output(results):
        return None
    try:
        data = orjson.loads(receipt_path(results).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and "leancli" in data else None


def describe(content: Mapping[str, Any]) -> list[str]:
    """The receipt as a few lines for people (`leancli stats`)."""
    repl = content.get("repl") or {}
    project = content.get("project") or {}
    revision = repl.get("revision") or "unknown revision"
    lines = [
        f"leancli {content.get('leancli')}, Lean {content.get('lean') or 'unknown'}, "
        f"REPL {repl.get('command')} ({revision})",
    ]
    if project:
        packages = project.get("packages")
        pinned = "no lake-manifest.json" if packages is None else f"{len(packages)} packages"
        mathlib = content.get("mathlib")
        lines.append(
            f"project {project.get('path')}: {pinned}" + (f", Mathlib {mathlib}" if mathlib else "")
        )
    options = content.get("options") or {}
    shown = (f"{key} {orjson.dumps(value).decode()}" for key, value in options.items())
    lines.append("options: " + ", ".join(shown))
    for entry in content.get("inputs") or []:
        path = entry.get("path") or "(snippets given to Checker)"
        lines.append(f"input {path}: sha256 {entry.get('sha256')} ({entry.get('bytes')} bytes)")
    counts = content.get("counts") or {}
    state = "complete" if content.get("complete") else "INCOMPLETE (interrupted or still running)"
    lines.append(f"run {content.get('started')} to {content.get('ended') or '?'}: {state}")
    lines.append(
        f"{content.get('results', 0)} results: "
        + (", ".join(f"{count} {status}" for status, count in counts.items()) or "none")
        + (f" ({content['resumed']} kept from an earlier run)" if content.get("resumed") else "")
    )
    return lines
