"""The GitHub workflow is valid (actionlint) and runs what it claims to run."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leancli.toolchain.versions import LeanVersion
from tests.helpers.common import REPO
from tests.helpers.lean_tier import TIER_ENV, leancli

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str | None:
    beside = BIN / name  # the dev extra installs it into the virtual environment
    return str(beside) if beside.is_file() else shutil.which(name)


def _actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install -e '.[dev]')")
    shellcheck = _tool("shellcheck") or ""  # empty: actionlint skips the shell scripts
    argv = [actionlint, "-oneline", f"-shellcheck={shellcheck}", "-pyflakes=", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_the_workflow_passes_actionlint() -> None:
    done = _actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_fails_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    text = WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latst", 1)
    broken.write_text(text.replace('>> "$GITHUB_PATH"', ">> $GITHUB_PATH", 1))
    done = _actionlint(broken)
    assert done.returncode != 0
    assert "ubuntu-latst" in done.stdout, done.stdout
    if _tool("shellcheck") is not None:
        assert "SC2086" in done.stdout, done.stdout


def test_every_action_is_pinned_to_a_version() -> None:
    uses = re.findall(r"uses:\s*(\S+)", WORKFLOW.read_text())
    assert uses
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+)*", action) for action in uses), uses


def test_the_lean_tier_runs_an_old_and_a_current_toolchain_and_cannot_skip() -> None:
    text = WORKFLOW.read_text()
    matrix = re.search(r"lean:\s*\[([^\]]*)\]", text)
    assert matrix is not None
    versions = [LeanVersion.parse(item.strip()) for item in matrix.group(1).split(",")]
    assert all(v is not None for v in versions), versions
    assert min(v for v in versions if v) < LeanVersion(4, 10, 0)
    assert max(v for v in versions if v) >= LeanVersion(4, 19, 0)
    assert f"{TIER_ENV}: require" in text and f"{TIER_ENV}: require-mathlib" in text
    assert "-m lean" in text


def test_the_setup_options_the_workflow_uses_exist() -> None:
    used = set(re.findall(r"leancli setup((?: --[\w-]+)+)", WORKFLOW.read_text()))
    assert used, "the workflow runs no `leancli setup`"
    options = {option for group in used for option in group.split()}
    help_text = leancli("setup", "--help", timeout=60).stdout
    assert {option for option in options if option not in help_text} == set(), help_text


def _ci_page_yaml(marker: str) -> str:
    """The YAML block of docs/ci.md whose first line is `marker`."""
    page = (REPO / "docs" / "ci.md").read_text()
    blocks: list[str] = re.findall(r"```yaml\n(.*?)```", page, re.DOTALL)
    return next(block for block in blocks if block.startswith(marker))


def test_the_ci_pages_github_workflow_passes_actionlint(tmp_path: Path) -> None:
    workflow = tmp_path / "lean-snippets.yml"
    workflow.write_text(_ci_page_yaml("# .github/workflows/"))
    done = _actionlint(workflow)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "--format github --junit report.xml" in workflow.read_text()


def test_the_ci_pages_gitlab_job_reads_the_junit_report() -> None:
    job = _ci_page_yaml("# .gitlab-ci.yml")
    script = job.split("script:", 1)[1].split("artifacts:", 1)[0]
    assert "--junit report.xml" in script
    assert re.search(r"reports:\n\s+junit: report\.xml\n", job)
