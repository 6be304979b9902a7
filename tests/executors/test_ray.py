"""`--executor ray` on a simulated two-node cluster: exactly-once results under faults.

One cluster serves the whole session (starting one takes several seconds); the test
that loses a node adds its own third node first, so the others always see two nodes.
"""

from __future__ import annotations

import logging
import os

# Before Ray is imported: bind every Ray service to 127.0.0.1 only.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from leancli import CheckOptions, Item, ReplSpec, Status, check  # noqa: E402
from leancli.doctor.ray import check_nodes  # noqa: E402
from leancli.executors.base import Event, IdleWorker, Lost  # noqa: E402
from leancli.executors.ray import RayExecutor  # noqa: E402
from leancli.options import RayOptions, WorkerConfig  # noqa: E402
from leancli.records import Task  # noqa: E402
from tests.helpers.common import leftover_processes, read_jsonl, run_leancli, write_jsonl  # noqa: E402

pytestmark = pytest.mark.ray


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A head node and one worker node, 1 CPU each, with this process as a driver."""
    os.environ.pop("RAY_ADDRESS", None)
    started = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    try:
        started.add_node(num_cpus=1)
        started.wait_for_nodes()
        ray.init(address=started.address, logging_level=logging.WARNING)
        yield started
    finally:
        ray.shutdown()
        started.shutdown()


def _options(
    fake_repl: str, cluster: Cluster, log: Path | None = None, **extra: Any
) -> CheckOptions:
    environment = (("FAKE_REPL_LOG", str(log)),) if log else ()
    worker = WorkerConfig(
        repl=ReplSpec.from_command(fake_repl),
        environment=environment,
        max_headers=extra.pop("max_headers", 4),
    )
    ray_options = RayOptions(address=cluster.address, memory_per_repl_mb=256)
    return CheckOptions(worker=worker, ray=ray_options, **extra)


def _imports(log: Path) -> list[str]:
    """The REPL pid of each header import the simulated REPLs logged."""
    if not log.exists():
        return []
    return [line.split()[0] for line in log.read_text().splitlines() if " import " in line]


def test_cli_answers_every_line_once_with_its_verdict(
    cluster: Cluster, fake_repl: str, tmp_path: Path
) -> None:
    rows: list[dict[str, str]] = []
    expected: dict[int, str] = {}
    for n in range(1, 41):
        kind = n % 10
        if kind == 3:
            code, status = f"theorem t{n} : True := by\n  -- fake: error\n  trivial", "fail"
        elif kind == 5:
            code, status = f"theorem t{n} : True := sorry", "sorry"
        elif n in (7, 27):
            code, status = f"-- fake: hang\ntheorem t{n} : True := trivial", "timeout"
        else:
            code, status = f"import Mathlib\ntheorem t{n} : True := trivial", "pass"
        rows.append({"id": f"p{n}", "code": code})
        expected[n] = status
    # Kills its actor each time it runs: retried once on a new actor, then a crash.
    rows.append({"id": "killer", "code": "-- fake: kill-parent\nexample : True := trivial"})
    expected[41] = "crash"
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"

    done = run_leancli(
        "check", str(source), "-o", str(output), "--executor", "ray",
        "--ray-address", cluster.address, "--repl", fake_repl, "--timeout", "1",
        "--no-progress", timeout=120,
    )  # fmt: skip

    assert done.returncode == 1, done.stderr.decode()
    results = read_jsonl(output.read_bytes())
    assert sorted(r["line"] for r in results) == list(range(1, 42))
    assert {r["line"]: r["status"] for r in results} == expected
    crash = next(r for r in results if r["id"] == "killer")
    assert "retried once" in crash["error"]
    # The receipt is the driver's: the executor, and the counts of the whole file.
    receipt = orjson.loads((tmp_path / "out.jsonl.receipt.json").read_bytes())
    assert receipt["executor"] == "ray" and receipt["complete"] is True
    assert receipt["counts"] == dict(Counter(expected.values()))


def test_sigterm_exits_143_and_leaves_no_repl_on_the_nodes(
    cluster: Cluster, fake_repl: str, tmp_path: Path
) -> None:
    # Two quick snippets, then REPLs busy for good: the driver is waiting on Ray.
    code = "-- fake: sleep {}\nexample : True := trivial -- {}"
    rows = [{"id": str(n), "code": code.format(0 if n < 2 else 60, n)} for n in range(10)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    output = tmp_path / "out.jsonl"
    marker = str(tmp_path / "marker")  # on the command line of this test's REPLs only
    process = subprocess.Popen(
        [sys.executable, "-m", "leancli", "check", str(source), "-o", str(output),
         "--executor", "ray", "--ray-address", cluster.address,
         "--repl", f"{fake_repl} {marker}", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (output.exists() and output.read_bytes().count(b"\n") >= 2):
        assert time.monotonic() < deadline and process.poll() is None, "no results"
        time.sleep(0.05)
    assert leftover_processes(marker)

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 143, stderr.decode()
    results = read_jsonl(output.read_bytes())
    assert sorted(r["line"] for r in results) == [1, 2]
    deadline = time.monotonic() + 10  # Ray kills actors asynchronously
    while leftover_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not leftover_processes(marker)


def test_max_tasks_replaces_each_repl_after_that_many_snippets(
    cluster: Cluster, fake_repl: str, tmp_path: Path
) -> None:
    log = tmp_path / "imports.log"
    options = _options(fake_repl, cluster, log, workers=2, max_tasks=3)
    items = [Item(n, str(n), f"import Mathlib\ntheorem t{n} : True := trivial") for n in range(12)]

    with RayExecutor(options) as executor:
        results = list(check(items, options, executor=executor))

    assert sorted(r.line for r in results) == list(range(12))
    assert all(r.status is Status.PASS for r in results)
    # 12 snippets, at most 3 per REPL: four REPLs or more (two workers share the work
    # unevenly), each importing Mathlib once.
    imports = Counter(_imports(log))
    assert len(imports) >= 4 and set(imports.values()) == {1}


def test_snippets_go_to_the_actor_that_has_their_header(
    cluster: Cluster, fake_repl: str, tmp_path: Path
) -> None:
    log = tmp_path / "imports.log"
    # One header per REPL: every switch of header would cost a restart and an import.
    options = _options(fake_repl, cluster, log, workers=2, max_headers=1)
    headers = ["import Mathlib", "import Aesop"]
    items = [
        Item(n, str(n), f"{headers[n % 2]}\ntheorem t{n} : True := trivial") for n in range(40)
    ]

    with RayExecutor(options) as executor:
        results = list(check(items, options, executor=executor))

    assert sorted(r.line for r in results) == list(range(40))
    assert all(r.status is Status.PASS for r in results)
    assert len(_imports(log)) <= 2 * len(headers)


def test_check_nodes_starts_the_repl_on_every_node(cluster: Cluster, fake_repl: str) -> None:
    nodes = {node.node_id for node in cluster.list_all_nodes()}

    good = check_nodes(cluster.address, ReplSpec.from_command(fake_repl), timeout=30)
    missing = check_nodes(cluster.address, ReplSpec.from_command("/nonexistent/repl"))

    # A node removed by another test may still be listed until Ray declares it dead.
    assert {r.node_id for r in good if r.ok} == nodes, good
    missing = [r for r in missing if r.node_id in nodes]
    assert len(missing) == 2 and not any(r.ok for r in missing)
    assert all("/nonexistent/repl not found" in r.detail for r in missing)


def test_doctor_checks_every_node_of_a_cluster(cluster: Cluster, fake_repl: str) -> None:
    done = run_leancli(
        "doctor", "--json", "--ray-address", cluster.address, "--repl", "/nonexistent/repl"
    )
    report = orjson.loads(done.stdout)
    assert done.returncode == 1 and not report["ok"]
    assert len(report["ray_nodes"]) >= 2 and not any(n["ok"] for n in report["ray_nodes"])
    assert any("Ray node" in p["message"] and "same paths" in p["fix"] for p in report["problems"])
    good = run_leancli("doctor", "--json", "--ray-address", cluster.address, "--repl", fake_repl)
    nodes = {node.node_id for node in cluster.list_all_nodes()}
    assert sum(n["ok"] for n in orjson.loads(good.stdout)["ray_nodes"]) >= len(nodes)


class _Recorder:
    """Passes everything through to a real executor and keeps every Lost event."""

    def __init__(self, inner: RayExecutor) -> None:
        self.inner = inner
        self.lost: list[Lost] = []

    @property
    def size(self) -> int:
        return self.inner.size

    def idle_workers(self) -> list[IdleWorker]:
        return self.inner.idle_workers()

    def submit(self, worker_id: int, task: Task) -> None:
        self.inner.submit(worker_id, task)

    def wait(self, timeout: float) -> list[Event]:
        events = self.inner.wait(timeout)
        self.lost.extend(e for e in events if isinstance(e, Lost))
        return events

    def recycle_largest_idle(self) -> bool:
        return self.inner.recycle_largest_idle()

    def abandon(self, keys: set[int]) -> None:
        self.inner.abandon(keys)

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_losing_a_node_mid_run_loses_and_duplicates_nothing(
    cluster: Cluster, fake_repl: str, tmp_path: Path
) -> None:
    doomed = cluster.add_node(num_cpus=1)
    log = tmp_path / "imports.log"
    options = _options(fake_repl, cluster, log, workers=3)
    items = [
        Item(n, str(n), f"import Mathlib\n-- fake: sleep 0.3\ntheorem t{n} : True := trivial")
        for n in range(1, 41)
    ]

    def remove_once_three_repls_work() -> None:
        # One actor per node: three REPLs at work means one is on the doomed node.
        deadline = time.monotonic() + 60
        while len(set(_imports(log))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)  # into its snippet's 0.3 s
        cluster.remove_node(doomed, allow_graceful=False)

    remover = threading.Thread(target=remove_once_three_repls_work)
    with _Recorder(RayExecutor(options)) as executor:
        remover.start()
        results = list(check(items, options, executor=executor))
        remover.join()

    assert Counter(r.line for r in results) == Counter(range(1, 41))
    assert all(r.status is Status.PASS for r in results), [r.error for r in results]
    assert executor.lost, "no snippet was in flight on the lost node"
    assert len(set(_imports(log))) >= 3
