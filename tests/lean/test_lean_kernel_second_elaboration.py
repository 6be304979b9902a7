"""Against a real Lean (skipped without one, as tests/lean/test_lean_kernel.py): on Lean's
route the kernel replay checks a second elaboration of the text, not the REPL's
environment (found by the adversarial review of issue 24; docs/trust.md, "What `kernel`
does not catch").

leancli makes the module by compiling the snippet again with `lean --root=DIR -o
DIR/M.olean DIR/M.lean`, and leanchecker replays the constants of *that* environment. A
snippet whose code at elaboration behaves differently there (it can tell: its main
module is then `M`, `getMainModule`) forges `forged` only in the REPL: the REPL's
environment holds an unchecked `False`, the module holds no `forged` and no
`uses_forged`, and the checker accepts it. The audit's refusals (on by default) refuse
the code that does it (`run_cmd`); with `--no-audit` nothing does: a limit of the
design, marked xfail below.

Not run here (no Lean on this machine); assumptions, to be confirmed by the lean tier:
`getMainModule` is the module being compiled (`lean -o` names it after the file under
`--root`), and leanchecker replays only the module's own constants
(`replayFromImports`, as docs/trust.md cites).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leancli.toolchain.kernel_checker import find_checker
from tests.helpers.lean_tier import RealRepl, check_rows, real_repl_or_skip, unavailable

pytestmark = pytest.mark.lean

FALSE_THEOREM = (
    "Lean.Declaration.thmDecl { name := `forged, levelParams := [], "
    "type := Lean.mkConst ``False, value := Lean.mkConst ``True.intro, all := [`forged] }"
)
# Forges only where the main module is not leancli's kernel module; in the module it
# declares nothing, so the replay has nothing to reject.
FORGED_ONLY_IN_THE_REPL = (
    "import Lean\nopen Lean Elab Command\n\n"
    "run_cmd do\n"
    '  unless (← getMainModule).toString.startsWith "LeancliSnippet" do\n'
    "    withOptions (fun o => o.setBool `debug.skipKernelTC true) <|\n"
    f"      liftCoreM <| addDecl <| {FALSE_THEOREM}\n"
    "    elabCommand (← `(theorem uses_forged : False := forged))\n"
)
ROWS = [{"id": "forged", "code": FORGED_ONLY_IN_THE_REPL}]


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    repl = real_repl_or_skip()
    choice = find_checker(None, repl.found.spec, repl.found.lean_version)
    if choice.argv is None:
        required = os.environ.get("LEANCLI_TIER_KERNEL", "").strip() == "require"
        unavailable(f"no kernel checker: {choice.fix}", required=required)
    return repl


def _elaborates_in_the_repl(real_repl: RealRepl, tmp_path: Path) -> None:
    (tmp_path / "lean").mkdir()
    lean_only = check_rows(real_repl, ROWS, tmp_path / "lean", "--no-audit")
    if lean_only.status("forged") != "pass":
        pytest.skip(f"does not elaborate on this Lean: {lean_only.results}")


def test_with_the_audit_a_snippet_that_forges_only_in_the_repl_is_refused(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    _elaborates_in_the_repl(real_repl, tmp_path)
    (tmp_path / "kernel").mkdir()
    run = check_rows(real_repl, ROWS, tmp_path / "kernel", "--trust", "kernel")
    result = run.results["forged"]
    assert result["status"] == "fail" and "refused" in result.get("error", ""), result


@pytest.mark.xfail(
    reason="design limit (docs/trust.md): with --no-audit, code run at elaboration can "
    "act differently in the REPL and in the module Lean compiles for the checker, and "
    "the checker replays only the module",
    strict=False,
)
def test_without_the_audit_a_snippet_that_forges_only_in_the_repl_is_not_a_kernel_pass(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    # Issue 24: the replay "catches environment hacking (`addDeclWithoutChecking`,
    # `debug.skipKernelTC`, forged declarations from `run_cmd` ...) however it is
    # spelled" -- in the module it replays; this one is forged only in the REPL.
    _elaborates_in_the_repl(real_repl, tmp_path)
    (tmp_path / "kernel").mkdir()
    run = check_rows(real_repl, ROWS, tmp_path / "kernel", "--no-audit", "--trust", "kernel")
    result = run.results["forged"]
    assert (result["status"], result.get("trust")) != ("pass", "kernel"), (result, run.stderr)
