"""The `-o` file: claimed for one run at a time, never the input, never lost to a usage error.

The claim is an exclusive `flock` on the output itself, held for the whole run, taken
before anything in the file is changed: a second run (or a `--resume` started while a
run is live) is refused, naming the process that holds it.
"""

from __future__ import annotations

import fcntl
import glob
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from leancli.errors import LeancliError
from leancli.inputs.sources import Source
from leancli.run.resume import DoneLines, prepare_output


class OutputError(LeancliError):
    """The output file cannot be used for this run (exit 2: nothing was written)."""


def claim_output(
    output: Path, input_paths: Sequence[str], *, resume: bool, force: bool
) -> tuple[int, DoneLines]:
    """An append-only descriptor of `output`, locked for this run, and what it already answers."""
    if output.is_dir():
        raise OutputError(f"-o {output}: is a directory, not a file")
    if any(path != "-" and _same_file(Path(path), output) for path in input_paths):
        raise OutputError(f"-o {output}: is the input file itself; results would overwrite it")
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    try:
        lock_output(fd, output)
        remove_dead_rewrites(output)
        return fd, prepare_output(output, resume=resume, force=force)
    except BaseException:
        os.close(fd)
        raise


REWRITE_SUFFIX = ".leancli-resume"


def rewrite_path(output: Path, pid: int) -> Path:
    """The temporary file that `--resume` rewrites `output` (its real path) into."""
    return output.with_name(f".{output.name}.{pid}{REWRITE_SUFFIX}")


def remove_dead_rewrites(output: Path) -> None:
    """Remove the temporary files of rewrites of `output` by runs that were killed.

    A live rewrite holds a lock on its file (and on the output, which this run now
    holds): one whose lock can be taken was left by a run that is gone."""
    real = Path(os.path.realpath(output))
    for path in real.parent.glob(f".{glob.escape(real.name)}.*{REWRITE_SUFFIX}"):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink()
        except OSError:
            continue  # held: a live run's (or not ours to remove)
        finally:
            os.close(fd)


def refuse_overwriting_inputs(written: dict[str, Path | None], sources: Sequence[Source]) -> None:
    """OutputError when a file leancli writes is an input, wherever it was found (in a
    directory given, through a link, or redirected to standard input), a directory, or
    another file it writes."""
    chosen = {flag: path for flag, path in written.items() if path is not None}
    for flag, path in chosen.items():
        if path.is_dir():
            raise OutputError(f"{flag} {path}: is a directory, not a file")
        for source in sources:
            if source.path == "-" and _is_standard_input(path):
                raise OutputError(f"{flag} {path}: is the file standard input reads")
            if source.path != "-" and _same_file(Path(source.path), path):
                raise OutputError(f"{flag} {path}: is the input file {source.path} itself")
    flags = list(chosen)
    for index, flag in enumerate(flags):
        for other in flags[index + 1 :]:
            if chosen[flag].resolve() == chosen[other].resolve():
                raise OutputError(f"{flag} and {other} name the same file: {chosen[flag]}")


def _is_standard_input(path: Path) -> bool:
    try:
        ours, theirs = os.fstat(0), os.stat(path)
    except OSError:
        return False
    return (ours.st_dev, ours.st_ino) == (theirs.st_dev, theirs.st_ino)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def lock_output(fd: int, output: Path) -> None:
    """An exclusive lock on the file of `fd`; OutputError naming its holder if taken.
    Only a regular file is claimed: any number of runs may write to /dev/null or a pipe."""
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _lock_holder(fd)
        who = f"process {holder}" if holder else "another process"
        raise OutputError(
            f"-o {output}: another leancli run ({who}) is writing it; wait for it to end, "
            "or write elsewhere"
        ) from None
    except OSError:
        return  # a file system without locks (some network mounts): run unguarded


def _lock_holder(fd: int) -> int | None:
    """The PID holding a flock on the file of `fd`, from Linux's /proc/locks."""
    stat = os.fstat(fd)
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        with open("/proc/locks") as handle:
            for line in handle:
                fields = line.split()
                if "FLOCK" in fields and device in fields:
                    return int(fields[fields.index(device) - 1])
    except (OSError, ValueError, IndexError):
        return None
    return None
