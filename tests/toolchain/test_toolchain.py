"""Lean versions, toolchain files, `lean --version` output, tag choice and features."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leancli.toolchain.versions import (
    LeanVersion,
    Toolchain,
    elab_async_refusal,
    parse_lean_version_output,
    pick_tag,
    read_toolchain,
    supports_elab_async,
)
from tests.helpers.common import V


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leanprover/lean4:v4.19.0", LeanVersion(4, 19, 0)),
        ("leanprover/lean4:v4.33.0-rc2\n", LeanVersion(4, 33, 0, "rc2")),
        ("v4.9.1", LeanVersion(4, 9, 1)),
        ("leanprover/lean4:4.19.0", LeanVersion(4, 19, 0)),
        ("stable", None),
        ("leanprover/lean4:nightly", None),
        ("leanprover/lean4-nightly:nightly-2024-05-01", None),
    ],
)
def test_toolchain_file_contents(text: str, expected: LeanVersion | None) -> None:
    toolchain = Toolchain.parse(text)
    assert toolchain.version == expected
    assert toolchain.name == text.strip()


def test_toolchain_file_is_found_upwards_like_elan(tmp_path: Path) -> None:
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.20.0\n")
    nested = tmp_path / "Demo" / "Sub"
    nested.mkdir(parents=True)
    toolchain = read_toolchain(nested)
    assert toolchain is not None and toolchain.version == V("v4.20.0")
    assert toolchain.path == tmp_path / "lean-toolchain"
    assert read_toolchain(nested, search_parents=False) is None


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("Lean (version 4.19.0, x86_64-unknown-linux-gnu, commit abc, Release)", "4.19.0"),
        ("Lean (version 4.33.0-rc2, arm64-apple-darwin, commit 1f2e, Release)", "4.33.0-rc2"),
        (
            "Lean (version 4.10.0-nightly-2024-06-01, commit abc, Release)",
            "4.10.0-nightly-2024-06-01",
        ),
        ("Lake version 5.0.0-6fce8f7 (Lean version 4.19.0)", "4.19.0"),
        ("error: no default toolchain configured", None),
    ],
)
def test_lean_version_output(output: str, expected: str | None) -> None:
    version = parse_lean_version_output(output)
    assert (str(version) if version else None) == expected


def test_release_candidates_sort_before_their_release() -> None:
    ordered = ["v4.9.0", "v4.19.0-rc1", "v4.19.0-rc2", "v4.19.0-rc10", "v4.19.0", "v4.19.1"]
    versions = [V(text) for text in ordered]
    assert sorted(reversed(versions)) == versions
    assert V("v4.19.0") == LeanVersion(4, 19, 0)
    assert V("v4.19.0-rc2").tag == "v4.19.0-rc2"


def test_exact_tag_is_chosen_without_note() -> None:
    choice = pick_tag(["v4.18.0", "v4.19.0", "v4.20.0", "nightly-testing"], V("4.19.0"))
    assert choice is not None
    assert (choice.tag, choice.exact, choice.note) == ("v4.19.0", True, "")


def test_missing_tag_falls_back_to_newest_older_with_note() -> None:
    choice = pick_tag(["v4.18.0", "v4.19.0-rc3", "v4.20.0", "v4.17.0"], V("v4.19.0"))
    assert choice is not None
    assert choice.tag == "v4.19.0-rc3" and not choice.exact
    assert "v4.19.0-rc3" in choice.note and "no REPL tag for Lean v4.19.0" in choice.note


def test_no_older_tag_gives_none() -> None:
    assert pick_tag(["v4.20.0", "v4.21.0"], V("v4.19.0")) is None


def test_fork_tags_pick_the_newest_repl_for_the_lean_version() -> None:
    tags = [
        "v1.0.9_lean-toolchain-v4.19.0",
        "v1.0.10_lean-toolchain-v4.19.0",
        "v1.0.10_lean-toolchain-v4.20.0",
        "v1.3.0-dev_lean-toolchain-v4.18.0",
    ]
    choice = pick_tag(tags, V("v4.19.0"))
    assert choice is not None and choice.tag == "v1.0.10_lean-toolchain-v4.19.0"
    fallback = pick_tag(tags, V("v4.18.1"))
    assert fallback is not None and fallback.tag == "v1.3.0-dev_lean-toolchain-v4.18.0"


def test_elab_async_starts_at_4_19_0() -> None:
    assert supports_elab_async(V("v4.19.0"))
    assert supports_elab_async(V("v4.22.0-rc1"))
    assert not supports_elab_async(V("v4.18.0"))
    assert not supports_elab_async(V("v4.19.0-rc2"))


def test_elab_async_refusal_names_both_versions() -> None:
    message = elab_async_refusal(V("v4.15.0"))
    assert message is not None and "v4.19.0" in message and "v4.15.0" in message
    assert elab_async_refusal(V("v4.20.0")) is None
    assert elab_async_refusal(None) is None


def test_a_repl_checkout_names_the_commit_it_was_built_from(tmp_path: Path) -> None:
    from leancli.toolchain.repl_checkout import read_checkout
    from tests.helpers.toolchain_stubs import checkout

    built = "0123456789abcdef0123456789abcdef01234567"
    binary = checkout(tmp_path / "git", "v4.19.0")
    git = tmp_path / "git" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text(built + "\n")
    assert read_checkout(binary).revision == built  # type: ignore[union-attr]
    # A worktree's .git is a file naming its Git directory.
    worktree = checkout(tmp_path / "worktree", "v4.19.0")
    (tmp_path / "worktree" / ".git").write_text(f"gitdir: {git}\n")
    assert read_checkout(worktree).revision == built  # type: ignore[union-attr]
    # `leancli setup`'s marker says which commit it built (its checkout has no .git left).
    cached = checkout(tmp_path / "cached", "v4.19.0")
    marker = {"commit": "fedcba9876543210fedcba9876543210fedcba98", "patches": ["flush"]}
    (tmp_path / "cached" / "leancli-setup.json").write_text(json.dumps(marker))
    facts = read_checkout(cached)
    assert facts is not None and (facts.revision, facts.patches) == (marker["commit"], ("flush",))
    assert read_checkout(checkout(tmp_path / "plain", "v4.19.0")).revision is None  # type: ignore[union-attr]
