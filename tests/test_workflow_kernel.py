"""The workflow's kernel tier runs `--trust kernel` on a toolchain that ships leanchecker."""

from __future__ import annotations

import re

from leancli.toolchain.kernel_checker import LEANCHECKER_SINCE
from leancli.toolchain.versions import LeanVersion
from tests.helpers.common import REPO

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


def test_the_kernel_tier_runs_on_a_toolchain_with_leanchecker_and_cannot_skip() -> None:
    text = WORKFLOW.read_text()
    job = text[text.index("\n  kernel-tier:") : text.index("\n  mathlib-tier:")]
    lean = re.search(r"LEAN: (\S+)", job)
    assert lean is not None
    version = LeanVersion.parse(lean.group(1))
    assert version is not None and version >= LEANCHECKER_SINCE
    assert "LEANCLI_TIER_KERNEL: require" in job and "LEANCLI_LEAN_TIER: require" in job
    assert "tests/lean/test_lean_kernel.py" in job
