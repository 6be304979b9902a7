"""Run the differential oracle (tests/oracle/) for as long as asked, with random seeds.

    .venv/bin/python benchmarks/soak.py --minutes 20 [--only cli,api,coprocess]

Each round runs every chosen oracle test for a few examples under the `soak` profile of
tests/helpers/oracle.py (random inputs and options, nothing derandomized); a mismatch is
shrunk by Hypothesis, printed with its example, counted, and the soak goes on. At the
end it prints how many examples (checked runs) it tried and how many mismatches it found.
The Ray oracle is left to `pytest tests/oracle/test_ray.py` (it needs a cluster).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["LEANCLI_ORACLE_PROFILE"] = "soak"
# What tests/conftest.py sets for every test: the simulated REPL's variables reach it.
os.environ.setdefault("LEANCLI_PASS_ENV", "FAKE_REPL_*,STAND_IN_*,STUB_*")

from hypothesis import settings  # noqa: E402

from tests.helpers import oracle  # noqa: E402
from tests.oracle.test_api import test_api_agrees_with_the_reference  # noqa: E402
from tests.oracle.test_cli import test_cli_agrees_with_the_reference  # noqa: E402
from tests.oracle.test_coprocess import test_coprocess_agrees_with_the_reference  # noqa: E402

EXAMPLES_PER_ROUND = 3


class TempFolders:
    """What pytest's tmp_path_factory gives the tests: a new folder per call."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name, dir=self.root))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--only", default="cli,api,coprocess")
    args = parser.parse_args()
    tests: dict[str, Callable[..., Any]] = {
        "cli": test_cli_agrees_with_the_reference,
        "api": test_api_agrees_with_the_reference,
        "coprocess": test_coprocess_agrees_with_the_reference,
    }
    per_round = settings(max_examples=EXAMPLES_PER_ROUND, derandomize=False)
    chosen = {name: per_round(tests[name]) for name in args.only.split(",")}
    deadline = time.monotonic() + args.minutes * 60
    started = time.monotonic()
    mismatches = 0
    rounds = 0
    with tempfile.TemporaryDirectory(prefix="leancli-soak-") as root:
        folders = TempFolders(Path(root))
        while time.monotonic() < deadline:
            for name, test in chosen.items():
                keywords = {} if name == "coprocess" else {"tmp_path_factory": folders}
                try:
                    test(**keywords)
                except Exception:  # a mismatch, shrunk: reported, and the soak goes on
                    mismatches += 1
                    print(f"MISMATCH in the {name} oracle:", flush=True)
                    traceback.print_exc(limit=1)
            rounds += 1
            minutes = (time.monotonic() - started) / 60
            print(
                f"{minutes:6.1f} min: {oracle.EXAMPLES_TRIED} examples tried, "
                f"{mismatches} mismatches",
                flush=True,
            )
    print(
        f"soak: {args.minutes:g} min, {rounds} rounds, {oracle.EXAMPLES_TRIED} examples "
        f"tried, {mismatches} mismatches"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
