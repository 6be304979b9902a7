"""The differential oracle against the Ray executor: a Checker on a small local cluster
(loopback only), held against the reference as the local pool is (tests/oracle/test_api.py).
"""

from __future__ import annotations

import os

# Before Ray is imported: bind every Ray service to 127.0.0.1 only.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import logging
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.oracle import PROFILE, Line, inputs
from tests.oracle.test_api import check_api

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """The Ray this process already joined (tests/executors/test_ray.py's cluster), else a
    one-node cluster of its own for this module."""
    if ray.is_initialized():
        yield ray.get_runtime_context().gcs_address
        return
    from ray.cluster_utils import Cluster

    os.environ.pop("RAY_ADDRESS", None)
    head = {"num_cpus": 2, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    try:
        ray.init(address=cluster.address, logging_level=logging.WARNING)
        yield cluster.address
    finally:
        ray.shutdown()
        cluster.shutdown()  # type: ignore[no-untyped-call]


# Fewer examples in CI: each starts its actors (seconds).
@settings(max_examples=2 if PROFILE == "ci" else 1000)
@given(
    lines=inputs(blanks=False, max_problems=2),
    dedup=st.booleans(),
    first_pass=st.booleans(),
    how=st.sampled_from(("check", "acheck-pair")),
    split=st.integers(0, 8),
)
def test_ray_agrees_with_the_reference(
    tmp_path_factory: pytest.TempPathFactory, ray_address: str, lines: list[Line], dedup: bool,
    first_pass: bool, how: str, split: int,
) -> None:  # fmt: skip
    tmp = tmp_path_factory.mktemp("oracle-ray")
    check_api(
        tmp, lines, 1, dedup, first_pass, how, split,
        executor="ray", ray_address=ray_address, memory_per_repl=256, cpus_per_repl=0.5,
    )  # fmt: skip
