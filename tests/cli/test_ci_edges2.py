"""CI edges (from adv-ci): positions of a header that fails to import."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.common import FAKE_REPL_COMMAND, read_jsonl, run_leancli


# Issue 26, 5: "keeps positions right"; Lean reports a header that fails to import at
# the header's first token (Lean/Elab/Import.lean, processHeader: `header.raw.getPos?`),
# which in a Mathlib-style file with a copyright comment is the `module` line. leancli
# sends the header without the comment and puts the error on line 1, the comment.
def test_a_header_import_error_is_placed_on_the_header_not_on_the_comment_above(
    tmp_path: Path,
) -> None:
    path = tmp_path / "Bad.lean"
    path.write_text(
        "/-\nCopyright (c) 2025. All rights reserved.\n-/\nmodule\n\n"
        "public import Nonexistent.Thing\n\ntheorem a : True := trivial\n"
    )
    done = run_leancli("check", str(path), "--repl", FAKE_REPL_COMMAND)
    assert done.returncode == 1, done.stderr
    (result,) = read_jsonl(done.stdout)
    assert result["status"] == "fail", result
    (message,) = result["messages"]
    assert message["source_pos"]["line"] in (4, 6), message
