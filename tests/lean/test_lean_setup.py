"""`leancli setup` for real: clone and build a REPL into a temporary cache, then use it.

Opt-in, as it is slow and needs elan and the network: `LEANCLI_LEAN_TIER_SETUP=v4.19.0`
names the Lean version to build for. It needs no REPL beforehand.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import orjson
import pytest

from leancli.toolchain.cache_dirs import MARKER, REPL_BINARY
from leancli.toolchain.tools import ELAN_INSTALL
from leancli.toolchain.versions import LeanVersion
from tests.helpers.lean_tier import SETUP_ENV, leancli, tier_mode, unavailable

pytestmark = pytest.mark.lean
SETUP_TIMEOUT = 3000.0


@pytest.fixture
def wanted(monkeypatch: pytest.MonkeyPatch) -> str:
    """The Lean version to set up, from the environment."""
    value = os.environ.get(SETUP_ENV, "").strip()
    if not value:
        pytest.skip(
            f"set {SETUP_ENV}=vX.Y.Z to run `leancli setup --lean vX.Y.Z` into a temporary "
            "cache (slow; needs elan and the network)"
        )
    version = LeanVersion.parse(value)
    if version is None:
        pytest.fail(f"{SETUP_ENV}={value!r} is not a Lean version such as v4.19.0", pytrace=False)
    if shutil.which("elan") is None:
        unavailable(
            f"elan is not on PATH; `leancli setup` needs it: {ELAN_INSTALL}",
            required=tier_mode() != "auto",
        )
    # Discovery must find what setup built, not a REPL named by the caller's shell.
    monkeypatch.setenv("LEANCLI_REPL", "")
    return version.tag


@pytest.mark.timeout(2 * SETUP_TIMEOUT)
def test_setup_builds_a_repl_that_check_finds_and_uses(wanted: str, tmp_path: Path) -> None:
    env = {"LEANCLI_CACHE_DIR": str(tmp_path / "cache")}
    built = leancli("setup", "--lean", wanted, env=env, timeout=SETUP_TIMEOUT)
    assert built.returncode == 0, built.stderr
    checkout = tmp_path / "cache" / "repl" / wanted
    assert (checkout / REPL_BINARY).is_file(), built.stderr
    assert json.loads((checkout / MARKER).read_text())["lean"] == wanted
    again = leancli("setup", "--lean", wanted, env=env)
    assert again.returncode == 0 and "Nothing to do" in again.stderr, again.stderr

    # A directory pinned to that toolchain, as a user's project would be.
    here = tmp_path / "here"
    here.mkdir()
    (here / "lean-toolchain").write_text(f"leanprover/lean4:{wanted}\n")
    doctor = leancli("doctor", "--json", cwd=here, env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    rows = [
        {"id": "proved", "code": "theorem proved : 2 + 2 = 4 := rfl"},
        {"id": "open", "code": "theorem open_goal : 1 = 1 := by sorry"},
    ]
    stdin = b"".join(orjson.dumps(row) + b"\n" for row in rows)
    # Generous: a REPL that holds its answers in its buffer (a tag before v4.10.0 built
    # without the flushing commit) would time out, whatever the limit.
    check = leancli(
        "check", "-", "--no-progress", "--timeout", "300", cwd=here, env=env, stdin=stdin
    )
    statuses = {row["id"]: row["status"] for row in map(orjson.loads, check.stdout.splitlines())}
    assert statuses == {"proved": "pass", "open": "sorry"}, check.stderr
