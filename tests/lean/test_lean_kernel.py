"""Against a real Lean: `--trust kernel` replays passes through the toolchain's checker.

Skipped (with the reason) without a real REPL (tests/helpers/lean_tier.py) or without a
kernel checker (`leanchecker` from Lean v4.28.0-rc1, else `leancli setup --checker`);
LEANCLI_TIER_KERNEL=require fails instead (the GitHub workflow's v4.28 job sets it).
The route: the snippet compiled with `lean -o`, then `leanchecker MODULE` (lean4
tests/leanchecker/test_single.sh), see docs/trust.md.

Not verified on the machine these were written on (no Lean there): the two forged
snippets are written against Lean's documented API: `Lean.addDecl` honours
`debug.skipKernelTC` (src/Lean/AddDecl.lean), and `Lean.Kernel.Environment.
addDeclWithoutChecking` / `Lean.Environment.addDeclWithoutChecking` (the name moved
between versions). A snippet that does not elaborate on the Lean at hand never reaches
the kernel: the test then skips, saying so, rather than pass for the wrong reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leancli.toolchain.kernel_checker import find_checker
from tests.helpers.lean_tier import RealRepl, check_rows, real_repl_or_skip, unavailable

pytestmark = pytest.mark.lean
KERNEL_ENV = "LEANCLI_TIER_KERNEL"

HONEST = (
    "theorem two_eq : 1 + 1 = 2 := rfl\n\n"
    "theorem and_swap (p q : Prop) : p ∧ q → q ∧ p :=\n  fun ⟨a, b⟩ => ⟨b, a⟩"
)
# `False` proved by `True.intro`: the elaborator never sees the term, the kernel would
# reject it, and `debug.skipKernelTC` tells `addDecl` not to ask the kernel.
FALSE_THEOREM = (
    "Lean.Declaration.thmDecl { name := `forged, levelParams := [], "
    "type := Lean.mkConst ``False, value := Lean.mkConst ``True.intro, all := [`forged] }"
)
SKIP_KERNEL_TC = (
    "import Lean\nopen Lean Elab Command\n\n"
    "set_option debug.skipKernelTC true in\n"
    f"run_cmd liftCoreM <| addDecl <| {FALSE_THEOREM}\n\n"
    "theorem uses_forged : False := forged"
)
WITHOUT_CHECKING = (
    "import Lean\nopen Lean Elab Command\n\n"
    "run_cmd liftCoreM do\n"
    "  let env ← getEnv\n"
    f"  match env.addDeclWithoutChecking ({FALSE_THEOREM}) with\n"
    "  | .ok env => setEnv env\n"
    '  | .error _ => throwError "addDeclWithoutChecking failed"\n\n'
    "theorem uses_forged : False := forged"
)


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    repl = real_repl_or_skip()
    choice = find_checker(None, repl.found.spec, repl.found.lean_version)
    if choice.argv is None:
        required = os.environ.get(KERNEL_ENV, "").strip() == "require"
        unavailable(f"no kernel checker: {choice.fix}", required=required)
    return repl


def test_an_honest_snippet_reaches_the_kernel(real_repl: RealRepl, tmp_path: Path) -> None:
    run = check_rows(real_repl, [{"id": "honest", "code": HONEST}], tmp_path, "--trust", "kernel")
    result = run.results["honest"]
    assert (result["status"], result.get("trust")) == ("pass", "kernel"), (result, run.stderr)


@pytest.mark.parametrize(
    "code", [SKIP_KERNEL_TC, WITHOUT_CHECKING], ids=["skipKernelTC", "addDeclWithoutChecking"]
)
def test_a_declaration_the_kernel_never_checked_is_rejected_by_the_replay(
    real_repl: RealRepl, tmp_path: Path, code: str
) -> None:
    rows = [{"id": "forged", "code": code}]
    for level in ("lean", "kernel"):
        (tmp_path / level).mkdir()
    # With the audit's refusals off, the REPL alone passes it: the replay must not.
    lean_only = check_rows(real_repl, rows, tmp_path / "lean", "--no-audit")
    if lean_only.status("forged") != "pass":
        pytest.skip(
            f"does not elaborate on this Lean, never reaches the kernel: {lean_only.results}"
        )
    run = check_rows(real_repl, rows, tmp_path / "kernel", "--no-audit", "--trust", "kernel")
    result = run.results["forged"]
    assert (result["status"], result.get("trust")) == ("fail", "kernel"), (result, run.stderr)
    assert "(kernel)" in result["error"], result
