"""The Ray executor: one actor per worker, each owning one REPL through `Worker`.

The driver keeps at most one call in flight per actor and maps each object ref back to
its actor and task, so a dead actor (node lost, OOM-killed) becomes exactly one `Lost`
event and a fresh actor. Ray's own actor restarts and task retries stay off: they would
hide which task was lost, and the run loop already retries a lost task once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import ray
from ray.exceptions import RayError

from leancli.executors.base import Event, ExecutorUnavailable, Finished, IdleWorker, Lost
from leancli.executors.supervision import Retirement, StartFailures, describe_exception
from leancli.options import CheckOptions, WorkerConfig
from leancli.records import Outcome, Task
from leancli.repl.worker import Worker

STOP_GRACE_SECONDS = 2.0
# Tasks and outcomes are small and travel inline; a default object store would take
# 30% of the machine's memory away from the REPLs.
LOCAL_OBJECT_STORE_BYTES = 128 * 2**20

# How long a run waits with no actor able to start (no node with room for a REPL: the
# only node with CPUs was lost, or none was ever big enough) before it gives up, saying
# what is missing; LEANCLI_RAY_WAIT overrides it. An autoscaling cluster may need that
# long to add a node.
RAY_WAIT_SECONDS = 300.0
RAY_WAIT_VARIABLE = "LEANCLI_RAY_WAIT"

logger = logging.getLogger(__name__)


class _ReplActor:
    """The body of one Ray actor: a `Worker`, hence one REPL, checking one task at a time.

    Ray runs a synchronous actor's calls on its main thread, the thread that starts the
    REPL, so the REPL's parent-death signal fires when the actor process dies.
    """

    def __init__(self, config: WorkerConfig) -> None:
        self._worker = Worker(config)
        self._worker.start()

    def ping(self) -> None:
        """Answers once the actor is placed and alive."""

    def run(self, task: Task) -> tuple[Outcome, frozenset[str]]:
        outcome = self._worker.run(task)
        return outcome, self._worker.headers

    def stop(self) -> None:
        self._worker.close()
        ray.actor.exit_actor()  # type: ignore[no-untyped-call]

    def __ray_shutdown__(self) -> None:
        # Called by Ray on a graceful exit; also kills what the REPL started.
        self._worker.close()


_Actor = ray.remote(_ReplActor)


@dataclass
class _Slot:
    worker_id: int
    actor: Any
    call: Any = None  # the ref of the call in flight: `ping` when task is None
    ready: bool = False
    task: Task | None = None
    done: int = 0
    headers: frozenset[str] = frozenset()
    since: float = field(default_factory=time.monotonic)  # when it was started


class RayExecutor:
    """Workers as Ray actors on the cluster at `options.ray.address` (or a local one).

    Each actor reserves `cpus_per_repl` CPUs and `memory_per_repl_mb` MiB (twice that
    with a standby REPL) so that Ray spreads REPLs over the nodes; with
    `options.workers == 0`, as many actors as the cluster's nodes can hold are started.
    An actor is replaced after `max_tasks` tasks (0: never) or when it dies.
    """

    def __init__(self, options: CheckOptions) -> None:
        self._config = options.worker
        self._retirement = Retirement(options.max_tasks)
        self._slots: dict[int, _Slot] = {}
        self._retiring: list[tuple[Any, Any]] = []
        self._start_failures = StartFailures("Ray actors")
        self._closed = False
        self.spawned = 0
        self._owns_connection = connect(options.ray.address)
        self._give_up_after = _wait_seconds()
        self._warned_stalled = False
        try:
            cpus, memory_mb = _actor_cost(options)
            self._cost = (cpus, memory_mb)
            private = self._owns_connection and _is_private(options.ray.address)
            if private and cluster_capacity(cpus, memory_mb) == 0:
                # A private instance is this machine as it is: no node will ever join.
                raise ExecutorUnavailable(
                    f"the local Ray instance cannot hold one REPL: {_missing(cpus, memory_mb)}"
                )
            self._actor_options = _actor_options(cpus, memory_mb)
            workers = options.workers if options.workers > 0 else _default_workers(cpus, memory_mb)
            for worker_id in range(workers):
                self._slots[worker_id] = self._spawn(worker_id)
        except BaseException:
            self.close()
            raise

    @property
    def size(self) -> int:
        return len(self._slots)

    def idle_workers(self) -> list[IdleWorker]:
        return [
            IdleWorker(slot.worker_id, slot.headers)
            for slot in self._slots.values()
            if slot.ready and slot.call is None
        ]

    def submit(self, worker_id: int, task: Task) -> None:
        slot = self._slots[worker_id]
        assert slot.ready and slot.call is None, "submit to a busy worker"
        slot.task = task
        slot.call = slot.actor.run.remote(task)

    def wait(self, timeout: float) -> list[Event]:
        self._reap_retired()
        self._check_stalled()
        calls = {slot.call: slot for slot in self._slots.values() if slot.call is not None}
        if not calls:
            time.sleep(timeout)
            return []
        done = wait_for(list(calls), 1, timeout)
        if done:
            done = wait_for(list(calls), len(calls), 0)
        events: list[Event] = []
        for ref in done:
            self._settle(calls[ref], ref, events)
        return events

    def _check_stalled(self) -> None:
        """Say what is missing when no actor can start; ExecutorUnavailable once that
        has lasted `RAY_WAIT_SECONDS`."""
        if not self._slots or any(slot.ready for slot in self._slots.values()):
            self._warned_stalled = False
            return
        waited = time.monotonic() - min(slot.since for slot in self._slots.values())
        if waited < min(STALL_NOTICE_SECONDS, self._give_up_after):
            return
        missing = _missing(*self._cost)
        if waited >= self._give_up_after:
            raise ExecutorUnavailable(
                f"no Ray actor could start for {self._give_up_after:g} s ({missing}); "
                f"gave up (wait longer with {RAY_WAIT_VARIABLE}=SECONDS); the results "
                "written so far are kept (continue with --resume)"
            )
        if not self._warned_stalled:
            self._warned_stalled = True
            logger.warning(
                "no Ray actor can start: %s; waiting up to %g s for a node to join",
                missing,
                self._give_up_after,
            )

    def recycle_largest_idle(self) -> bool:
        """Nothing to free here: memory pressure on this machine says nothing of the
        nodes', which Ray's own monitor watches."""
        return False

    def abandon(self, keys: set[int]) -> None:
        """An actor running an abandoned task is killed: it comes back Lost."""
        for slot in self._slots.values():
            if slot.task is not None and slot.task.key in keys:
                _kill(slot.actor)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        stopping = [ref for _, ref in self._retiring]
        actors = [actor for actor, _ in self._retiring]
        for slot in self._slots.values():
            actors.append(slot.actor)
            if slot.ready and slot.call is None:
                stopping.append(slot.actor.stop.remote())
            else:  # busy or not started: its REPL need not finish anything
                _kill(slot.actor)
        if stopping:
            wait_for(stopping, len(stopping), STOP_GRACE_SECONDS)
        for actor in actors:
            _kill(actor)
        self._slots.clear()
        self._retiring.clear()
        if self._owns_connection:
            ray.shutdown()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, worker_id: int) -> _Slot:
        actor: Any = _Actor.options(**self._actor_options).remote(self._config)
        self.spawned += 1
        return _Slot(worker_id, actor, call=actor.ping.remote())

    def _settle(self, slot: _Slot, ref: Any, events: list[Event]) -> None:
        slot.call = None
        try:
            value = ray.get(ref)
        except RayError as exc:
            self._on_death(slot, exc, events)
            return
        if slot.task is None:  # a ping came back
            slot.ready = True
            self._start_failures.started()
            return
        outcome, slot.headers = value
        task, slot.task = slot.task, None
        slot.done += 1
        events.append(Finished(task, outcome))
        if self._retirement.due(slot.done):
            self._retire(slot)

    def _on_death(self, slot: _Slot, exc: BaseException, events: list[Event]) -> None:
        _kill(slot.actor)  # it may still live if only its method raised
        if slot.task is not None:
            events.append(Lost(slot.task, f"Ray actor died ({describe_exception(exc)})"))
            # What took this actor (a lost node) may have taken idle ones too: check
            # them before they get a task, so the retry does not die with them.
            for other in self._slots.values():
                if other is not slot and other.ready and other.call is None:
                    other.call = other.actor.ping.remote()
        elif not slot.ready:
            self._start_failures.failed(describe_exception(exc))
        self._slots[slot.worker_id] = self._spawn(slot.worker_id)

    def _retire(self, slot: _Slot) -> None:
        self._retiring.append((slot.actor, slot.actor.stop.remote()))
        self._slots[slot.worker_id] = self._spawn(slot.worker_id)

    def _reap_retired(self) -> None:
        if not self._retiring:
            return
        refs = [ref for _, ref in self._retiring]
        finished = set(wait_for(refs, len(refs), 0))
        for actor, ref in self._retiring:
            if ref in finished:
                _kill(actor)
        self._retiring = [(a, ref) for a, ref in self._retiring if ref not in finished]


def connect(address: str | None) -> bool:
    """Connect to Ray unless already connected; True when this call made the connection.

    No `address` and no RAY_ADDRESS start a private local instance (`ray.shutdown()`
    stops it); with an address, `ray.shutdown()` only disconnects.
    """
    if ray.is_initialized():
        return False
    if address is None and not os.environ.get("RAY_ADDRESS"):
        ray.init(
            address="local",
            include_dashboard=False,
            object_store_memory=LOCAL_OBJECT_STORE_BYTES,
            logging_level=logging.WARNING,
        )
        return True
    try:
        ray.init(address=address, logging_level=logging.WARNING)
    except (ConnectionError, ValueError) as exc:
        where = address or os.environ.get("RAY_ADDRESS")
        raise ExecutorUnavailable(f"cannot join the Ray cluster at {where}: {exc}") from exc
    return True


STALL_NOTICE_SECONDS = 10.0


def _wait_seconds() -> float:
    raw = os.environ.get(RAY_WAIT_VARIABLE, "")
    try:
        seconds = float(raw) if raw else RAY_WAIT_SECONDS
    except ValueError:
        raise ExecutorUnavailable(
            f"{RAY_WAIT_VARIABLE}={raw!r} is not a number of seconds"
        ) from None
    return seconds if seconds > 0 and math.isfinite(seconds) else RAY_WAIT_SECONDS


def _is_private(address: str | None) -> bool:
    return address is None and not os.environ.get("RAY_ADDRESS")


def _missing(cpus: float, memory_mb: int) -> str:
    """What one REPL needs that no alive node has, and what the nodes have."""
    nodes = alive_nodes()
    need = f"{cpus:g} CPU" + (f" and {memory_mb} MiB of memory" if memory_mb > 0 else "")
    if not nodes:
        return f"each REPL needs {need}, and no Ray node is alive"
    offers = [
        f"{node.get('Resources', {}).get('CPU', 0.0):g} CPU, "
        f"{int(node.get('Resources', {}).get('memory', 0.0) // 2**20)} MiB"
        for node in nodes
    ]
    return (
        f"each REPL needs {need} (--cpus-per-repl, --memory-per-repl), and the alive "
        f"nodes have {'; '.join(offers)}"
    )


def cluster_capacity(cpus: float, memory_mb: int) -> int:
    """How many actors of that cost the alive nodes hold (an actor never spans nodes)."""
    per_actor = cpus if cpus > 0 else 1.0  # reserving no CPU still means one REPL a core
    total = 0
    for node in alive_nodes():
        resources = node.get("Resources", {})
        fits = math.floor(resources.get("CPU", 0.0) / per_actor + 1e-9)
        if memory_mb > 0:
            fits = min(fits, int(resources.get("memory", 0.0) // (memory_mb * 2**20)))
        total += fits
    return total


def _actor_cost(options: CheckOptions) -> tuple[float, int]:
    """CPUs and MiB of memory one actor reserves: a standby REPL doubles the memory."""
    repls = 2 if options.worker.standby else 1
    return options.ray.cpus_per_repl, options.ray.memory_per_repl_mb * repls


def _default_workers(cpus: float, memory_mb: int) -> int:
    capacity = cluster_capacity(cpus, memory_mb)
    if capacity == 0:
        # An autoscaling cluster may still grow to fit one; a fixed one never will.
        logger.warning(
            "no node of the Ray cluster has %g CPUs and %d MiB of memory for one REPL "
            "(--cpus-per-repl, --memory-per-repl): waiting for one to join",
            cpus,
            memory_mb,
        )
    return max(1, capacity)


def alive_nodes() -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    return [node for node in nodes if node.get("Alive")]


def _actor_options(cpus: float, memory_mb: int) -> dict[str, Any]:
    chosen: dict[str, Any] = {
        "num_cpus": cpus,
        "max_restarts": 0,
        "max_task_retries": 0,
        # REPLs are memory-hungry: one per node before two on any node.
        "scheduling_strategy": "SPREAD",
    }
    if memory_mb > 0:
        chosen["memory"] = memory_mb * 2**20
    return chosen


def wait_for(refs: list[Any], count: int, timeout: float) -> list[Any]:
    """The refs among `refs` that are ready once `count` are, or `timeout` passed."""
    try:
        done: list[Any] = ray.wait(refs, num_returns=count, timeout=timeout)[0]
    except SystemError as exc:
        # A signal handler's exception (the CLI turns SIGTERM into one) raised while Ray
        # waits in native code comes out wrapped; unwrap it so that callers see it.
        if exc.__cause__ is not None:
            raise exc.__cause__ from None
        raise
    return done


def _kill(actor: Any) -> None:
    with contextlib.suppress(Exception):
        ray.kill(actor, no_restart=True)
