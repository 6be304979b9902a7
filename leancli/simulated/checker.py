"""A simulated kernel checker: `python -m leancli.simulated.checker MODULE`.

It stands in for `leanchecker MODULE` on machines without Lean, as the simulated REPL
stands in for the REPL: it finds `MODULE.olean` on LEAN_PATH as Lean does (the first
entry that has it, the module's dotted name as folders), reads the simulated REPL's
pickle there, and answers as leanchecker does (lean4 src/LeanChecker.lean): nothing and
exit 0 when accepted; `leanchecker found a problem in MODULE` and Lean's `uncaught
exception: ...` with exit 1 when rejected. A real kernel is not modelled: what it
rejects is marked in the snippet by a cue, one per line, `-- kernel: <cue> [argument]`:

  reject [MESSAGE]   rejected, with `(kernel) MESSAGE`
  crash              killed by SIGSEGV (a checker that crashes)
  hang               never answers (a checker that times out)

LEANCLI_SIMULATED_CHECKER_COST: seconds each replay takes (for benchmarks).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

from leancli.simulated.repl import PICKLE_FORMAT

CUE = re.compile(r"^\s*--\s*kernel:\s*(\S+)\s*(.*?)\s*$", re.MULTILINE)
COST_VARIABLE = "LEANCLI_SIMULATED_CHECKER_COST"


def find_olean(module: str, lean_path: str) -> Path | None:
    relative = Path(*module.split(".")).with_suffix(".olean")
    for root in lean_path.split(os.pathsep):
        if root and (Path(root) / relative).is_file():
            return Path(root) / relative
    return None


def check(module: str) -> int:
    olean = find_olean(module, os.environ.get("LEAN_PATH", ""))
    if olean is None:
        print(f"uncaught exception: Could not find any oleans for: {module}", file=sys.stderr)
        return 1
    try:
        pickled = json.loads(olean.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pickled = None
    if not isinstance(pickled, dict) or pickled.get(PICKLE_FORMAT) != 1:
        print(f"uncaught exception: failed to read file '{olean}', invalid header", file=sys.stderr)
        return 1
    time.sleep(float(os.environ.get(COST_VARIABLE) or 0))
    for cue, argument in CUE.findall(str(pickled.get("commands", ""))):
        if cue == "reject":
            print(f"leanchecker found a problem in {module}", file=sys.stderr)
            said = argument or "declaration type mismatch"
            print(f"uncaught exception: (kernel) {said}", file=sys.stderr)
            return 1
        if cue == "crash":
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        if cue == "hang":
            while True:
                time.sleep(3600)
    return 0


def argv() -> tuple[str, ...]:
    """The command line that runs this checker with this interpreter (MODULE appended)."""
    return (sys.executable, "-m", "leancli.simulated.checker")


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python -m leancli.simulated.checker MODULE", file=sys.stderr)
        return 2
    return check(sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
