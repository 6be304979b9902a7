"""Ray with no room for a REPL: leancli says what is missing and gives up, never hangs."""

from __future__ import annotations

import os

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")
from ray.cluster_utils import Cluster

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, write_jsonl

pytestmark = pytest.mark.ray


def _without_ray_address() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}


def test_a_private_ray_that_cannot_fit_one_repl_says_so(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"code": "theorem a : True := trivial"}])
    done = subprocess.run(
        [sys.executable, "-m", "leancli", "check", str(source), "--repl", FAKE_REPL_COMMAND,
         "--executor", "ray", "--memory-per-repl", "100000000", "--no-progress"],
        capture_output=True, timeout=240, env=_without_ray_address(), check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr.decode()
    assert b"cannot hold one REPL" in done.stderr
    assert b"100000000 MiB" in done.stderr and b"--memory-per-repl" in done.stderr
    assert b"Traceback" not in done.stderr


def test_losing_the_only_node_with_cpus_gives_up_saying_why(tmp_path: Path) -> None:
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False}
    )
    try:
        node = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        pidfile = tmp_path / "repl.pid"
        rows = [
            {"id": "first", "code": "theorem a : True := trivial"},
            {"id": "slow", "code": f"-- fake: pidfile {pidfile}\n-- fake: hang\ntheorem b : True"},
            {"id": "after", "code": "theorem c : True := trivial"},
        ]
        source = write_jsonl(tmp_path / "in.jsonl", rows)
        output = tmp_path / "out.jsonl"
        run = subprocess.Popen(
            [sys.executable, "-m", "leancli", "check", str(source), "-o", str(output),
             "--repl", FAKE_REPL_COMMAND, "--executor", "ray", "--workers", "1",
             "--ray-address", cluster.address, "--timeout", "600", "--no-progress"],
            stderr=subprocess.PIPE, env={**os.environ, "LEANCLI_RAY_WAIT": "5"},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not pidfile.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert pidfile.exists(), "the slow snippet never started"
            cluster.remove_node(node, allow_graceful=False)
            _, stderr = run.communicate(timeout=180)
        finally:
            if run.poll() is None:
                run.kill()
    finally:
        cluster.shutdown()  # type: ignore[no-untyped-call]
    assert run.returncode == 2, stderr.decode()
    assert b"no Ray actor could start for 5 s" in stderr
    assert b"no Ray node is alive" in stderr or b"0 CPU" in stderr
    assert [row["id"] for row in read_jsonl(output.read_bytes())] == ["first"]  # kept
