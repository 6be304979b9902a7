"""`leancli doctor --ray-address`: whether the REPL runs on every node of a Ray cluster."""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import RayError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from leancli.executors.ray import alive_nodes, connect, wait_for
from leancli.executors.supervision import describe_exception
from leancli.options import ReplSpec
from leancli.records import Status
from leancli.repl.protocol import ErrorAnswer, command_request
from leancli.repl.session import ReplFailure, ReplSession
from leancli.verdict.decide import classify, first_error

PROBE_COMMAND = "example : True := trivial"


@dataclass(frozen=True)
class NodeReport:
    """Whether the REPL command runs on one alive Ray node."""

    node_id: str
    address: str
    hostname: str
    cpus: float
    memory_mb: int
    ok: bool
    detail: str


def check_nodes(address: str | None, repl: ReplSpec, timeout: float = 60.0) -> list[NodeReport]:
    """Start `repl` on every alive node of the cluster and have it check a trivial example.

    A task pinned to each node (asking for no CPU, so busy nodes answer too) looks for
    the project directory and the executable, then starts the REPL and sends it one
    command; a node that does not answer within `timeout` seconds is reported as such.
    """
    owns_connection = connect(address)
    try:
        nodes = alive_nodes()
        probes: dict[Any, dict[str, Any]] = {}
        for node in nodes:
            strategy = NodeAffinitySchedulingStrategy(node_id=node["NodeID"], soft=False)
            ref = _probe_remote.options(
                scheduling_strategy=strategy, num_cpus=0, max_retries=0
            ).remote(repl, timeout)
            probes[ref] = node
        done = set(wait_for(list(probes), len(probes), timeout + 15))
        reports = []
        for ref, node in probes.items():
            if ref not in done:
                ray.cancel(ref, force=True)
                found: tuple[str, bool, str] = ("", False, f"no answer within {timeout:g} s")
            else:
                try:
                    found = ray.get(ref)
                except RayError as exc:
                    found = ("", False, f"the check failed on this node: {describe_exception(exc)}")
            resources = node.get("Resources", {})
            reports.append(
                NodeReport(
                    node_id=node["NodeID"],
                    address=node.get("NodeManagerAddress", ""),
                    hostname=found[0] or node.get("NodeManagerHostname", ""),
                    cpus=float(resources.get("CPU", 0.0)),
                    memory_mb=int(resources.get("memory", 0.0) // 2**20),
                    ok=found[1],
                    detail=found[2],
                )
            )
        return sorted(reports, key=lambda report: (report.address, report.node_id))
    finally:
        if owns_connection:
            ray.shutdown()


def _probe(repl: ReplSpec, timeout: float) -> tuple[str, bool, str]:
    """Runs on a node: (hostname, ok, what was found)."""
    host = socket.gethostname()
    if repl.cwd is not None and not repl.cwd.is_dir():
        return host, False, f"project directory {repl.cwd} does not exist"
    program = repl.argv[0]
    if repl.cwd is not None and "/" in program and not os.path.isabs(program):
        program = os.path.join(repl.cwd, program)
    executable = shutil.which(program)
    if executable is None:
        return host, False, f"{repl.argv[0]} not found (PATH={os.environ.get('PATH', '')})"
    started = time.monotonic()
    try:
        with ReplSession(repl) as session:
            answer = session.send(command_request(PROBE_COMMAND), timeout)
    except ReplFailure as exc:
        return host, False, f"{repl.describe()} does not answer: {exc}"
    if isinstance(answer, ErrorAnswer):
        return host, False, f"the REPL refused `{PROBE_COMMAND}`: {answer.message}"
    if classify(answer.messages, []) is Status.FAIL:
        return host, False, f"`{PROBE_COMMAND}` fails: {first_error(answer.messages)}"
    elapsed = time.monotonic() - started
    return host, True, f"{executable} answered in {elapsed:.1f} s"


_probe_remote = ray.remote(_probe)
