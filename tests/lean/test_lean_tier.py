"""Against a real Lean REPL: the bundled samples, headers, and Lean's own options.

Skipped (with the reason) unless discovery finds a real REPL: see tests/helpers/lean_tier.py.
Expected verdicts are Lean's: pinned where every Lean version agrees (the basic samples,
the positions of whole lines), else taken from Lean's own answer to the same text sent
straight to a REPL (positions in columns, the Mathlib samples, whose verdicts depend on
the Mathlib version).
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from leancli.doctor.diagnose import diagnose
from leancli.options import MemoryLimits
from leancli.repl.protocol import CommandAnswer
from leancli.repl.session import ReplSession
from leancli.toolchain.versions import parse_lean_version_output, supports_elab_async
from tests.helpers.common import BASICS_VERDICTS
from tests.helpers.lean_tier import (
    REPO,
    CheckRun,
    RealRepl,
    ReferenceRepl,
    check_file,
    check_rows,
    comparable,
    default_lean_options,
    errors,
    lean_verdict,
    lines_of,
    real_repl_or_skip,
    require_mathlib,
    tapped_imports,
    tapped_repl_command,
)

pytestmark = pytest.mark.lean
SAMPLES = REPO / "samples"
TIMEOUT = 300.0
MATHLIB_TIMEOUT = 3000.0


@pytest.fixture(scope="module")
def real_repl() -> RealRepl:
    return real_repl_or_skip()


@pytest.fixture(scope="module")
def session(real_repl: RealRepl) -> Iterator[ReplSession]:
    assert real_repl.found.spec is not None
    with ReplSession(real_repl.found.spec, MemoryLimits(rss_mb=16384)) as repl:
        yield repl


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def assert_as_lean_says(run: CheckRun, lean: ReferenceRepl, codes: dict[str, str]) -> None:
    """Each result has the verdict, messages and sorries Lean gives the same text."""
    for key, code in codes.items():
        answer = lean.answer(code)
        result = run.results[key]
        assert result["status"] == lean_verdict(answer), (key, result, answer)
        assert comparable(result["messages"]) == comparable(answer.messages), key
        assert comparable(result["sorries"]) == comparable(answer.sorries), key


# --- the REPL itself -----------------------------------------------------------------------


def test_a_true_example_passes_and_a_false_one_fails(session: ReplSession) -> None:
    right = session.send({"cmd": "example : 1 = 1 := rfl"}, TIMEOUT)
    wrong = session.send({"cmd": "example : 1 = 2 := rfl"}, TIMEOUT)
    assert isinstance(right, CommandAnswer) and isinstance(wrong, CommandAnswer)
    assert errors(right.messages) == [] and errors(wrong.messages) != []


def test_elab_async_exists_exactly_where_the_feature_table_says(
    real_repl: RealRepl, session: ReplSession
) -> None:
    version = real_repl.found.lean_version
    if version is None:
        pytest.skip("the REPL's Lean version is unknown")
    answer = session.send(
        {"cmd": "set_option Elab.async false in\nexample : True := trivial"}, TIMEOUT
    )
    assert isinstance(answer, CommandAnswer), answer
    assert (errors(answer.messages) == []) == supports_elab_async(version), answer.messages


def test_doctor_agrees_that_check_can_run(real_repl: RealRepl) -> None:
    report = diagnose(None, real_repl.project)
    assert report.ok, report.problems


def test_real_lean_version_output_parses(real_repl: RealRepl) -> None:
    if shutil.which("lean") is None:
        pytest.skip("no `lean` on PATH")
    output = subprocess.run(
        ["lean", "--version"], capture_output=True, text=True, check=True, cwd=real_repl.cwd
    )
    assert parse_lean_version_output(output.stdout) is not None, output.stdout


# --- the bundled samples -------------------------------------------------------------------


def test_the_basic_samples_get_leans_verdicts_and_positions(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    run = check_file(real_repl, SAMPLES / "basics.jsonl", tmp_path, "-w", "1")
    assert run.returncode == 1, run.stderr
    assert run.statuses() == BASICS_VERDICTS, run.stderr
    # Lines that every Lean version reports the same (the REPL's own test suite).
    assert lines_of(run.results["unsolved"]["messages"], "error") == [1]
    assert lines_of(run.results["have-sorry"]["messages"], "error") == [1]
    assert lines_of(run.results["have-sorry"]["sorries"]) == [2]
    codes = {row["id"]: row["code"] for row in read_rows(SAMPLES / "basics.jsonl")}
    with ReferenceRepl(real_repl, default_lean_options(real_repl)) as lean:
        assert_as_lean_says(run, lean, codes)


HEADER_ROWS = {
    "check-after-header": "import Lean\n\nopen Lean in\n#check (1 : Nat)",
    "sorry-after-header": "import Lean\n\ntheorem later : 1 = 1 := by\n  sorry",
    # Lean's header: comments before and between imports, an indented import.
    "comments-in-header": (
        "/- A licence block. -/\nimport Lean\n-- between the imports\n"
        "  import Lean.Elab.Command\n\n#check (2 : Nat)"
    ),
}


def test_positions_count_the_header_lines(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": key, "code": code} for key, code in HEADER_ROWS.items()]
    run = check_rows(real_repl, rows, tmp_path, "-w", "1")
    assert run.statuses() == {
        "check-after-header": "pass",
        "sorry-after-header": "sorry",
        "comments-in-header": "pass",
    }, run.stderr
    assert lines_of(run.results["check-after-header"]["messages"], "info") == [4]
    assert lines_of(run.results["sorry-after-header"]["sorries"]) == [4]
    assert lines_of(run.results["comments-in-header"]["messages"], "info") == [6]
    with ReferenceRepl(real_repl, default_lean_options(real_repl)) as lean:
        assert_as_lean_says(run, lean, HEADER_ROWS)


def test_each_worker_imports_each_header_once(real_repl: RealRepl, tmp_path: Path) -> None:
    headers = ["import Lean", "import Lean.Elab.Command"]
    rows = [
        {
            "id": f"h{index}",
            "code": f"{headers[index % 2]}\n\ntheorem t{index} : {index} = {index} := rfl",
        }
        for index in range(8)
    ]
    log = tmp_path / "imports.log"
    run = check_rows(
        real_repl,
        rows,
        tmp_path,
        "-w",
        "2",
        "--repl",
        tapped_repl_command(real_repl, log),
        cwd=real_repl.cwd,
        use_project=False,
    )
    assert set(run.statuses().values()) == {"pass"}, run.stderr
    imports = tapped_imports(log)
    per_repl = Counter(imports)
    assert {header for _, header in imports} == set(headers), imports
    assert set(per_repl.values()) == {1}, per_repl
    assert len({pid for pid, _ in imports}) <= 2, imports


@pytest.mark.timeout(MATHLIB_TIMEOUT + 600)
def test_the_minif2f_shaped_samples_get_leans_verdicts(real_repl: RealRepl, tmp_path: Path) -> None:
    require_mathlib(real_repl)
    template = "{header}{formal_statement}{formal_proof}"
    source = SAMPLES / "minif2f-shaped.jsonl"
    run = check_file(
        real_repl, source, tmp_path, "--template", template, "-w", "2", timeout=MATHLIB_TIMEOUT
    )
    rows = read_rows(source)
    assert len(run.results) == len(rows), run.stderr
    codes = {row["name"]: template.format(**row) for row in rows}
    with ReferenceRepl(real_repl, default_lean_options(real_repl)) as lean:
        assert_as_lean_says(run, lean, codes)


@pytest.mark.timeout(MATHLIB_TIMEOUT + 600)
def test_the_goedel_proofs_pass_with_leans_messages(real_repl: RealRepl, tmp_path: Path) -> None:
    require_mathlib(real_repl)
    source = SAMPLES / "goedel-proofs.jsonl"
    run = check_file(real_repl, source, tmp_path, "-w", "2", timeout=MATHLIB_TIMEOUT)
    rows = read_rows(source)
    # Each passed a real Mathlib REPL (Kimina's tests/match, 2025).
    assert run.statuses() == {row["id"]: "pass" for row in rows}, run.stderr
    # Its unused-variable warnings are on the theorem's line of the file, below the header
    # (line 9: the recording from kimina-lean-server had body lines, 3 fewer).
    code = next(row["full_proof"] for row in rows if row["id"] == "lean_workbook_10016")
    lines = code.split("\n")
    theorem_line = next(n for n, line in enumerate(lines, 1) if line.startswith("theorem "))
    assert theorem_line == 9
    assert set(lines_of(run.results["lean_workbook_10016"]["messages"])) == {theorem_line}
    with ReferenceRepl(real_repl, default_lean_options(real_repl)) as lean:
        assert_as_lean_says(run, lean, {row["id"]: row["full_proof"] for row in rows})


# --- Lean's options ------------------------------------------------------------------------

# omega (in Lean's core since v4.7) needs far more than 1000 heartbeats for five variables.
HEAVY = "theorem five_terms (a b c d e : Nat) : a + b + c + d + e = e + d + c + b + a := by omega"


def test_heartbeats_bound_every_snippet(real_repl: RealRepl, tmp_path: Path) -> None:
    rows = [{"id": "heavy", "code": HEAVY}]
    (tmp_path / "low").mkdir()
    (tmp_path / "default").mkdir()
    low = check_rows(real_repl, rows, tmp_path / "low", "--heartbeats", "1")
    default = check_rows(real_repl, rows, tmp_path / "default")
    assert default.status("heavy") == "pass", default.results
    assert low.status("heavy") == "fail", low.results
    assert "heartbeats" in str(low.results["heavy"]["error"]), low.results


ASYNC_ROWS = {
    "async-pass": "theorem fine : 2 + 2 = 4 := rfl",
    "async-sorry": "theorem later : 1 = 1 := by sorry",
    "async-fail": "theorem wrong : 1 = 2 := by rfl",
}


def test_elab_async_keeps_the_verdicts_or_is_refused_before_v4_19(
    real_repl: RealRepl, tmp_path: Path
) -> None:
    supported = real_repl.found.supports_elab_async
    if supported is None:
        pytest.skip("the REPL's Lean version is unknown")
    rows = [{"id": key, "code": code} for key, code in ASYNC_ROWS.items()]
    run = check_rows(real_repl, rows, tmp_path, "--elab-async")
    if not supported:
        assert run.returncode == 2, run.stderr
        assert "v4.19.0" in run.stderr, run.stderr
        return
    assert run.statuses() == {
        "async-pass": "pass",
        "async-sorry": "sorry",
        "async-fail": "fail",
    }, run.stderr
