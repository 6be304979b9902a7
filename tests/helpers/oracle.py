"""The differential oracle's model: generated inputs, the reference check, the invariants.

The reference is deliberately plain: every line is judged alone, in input order, by what
the tests' simulated REPL (tests/helpers/fake_repl.py, run with `--model`) does with the
snippet's cue, with no dedup, cache, first pass or resume. `test_the_reference_is_what_
the_simulated_repl_says` (tests/oracle/test_reference.py) holds it against one real REPL
session, line by line. Whatever leancli does to go faster must give the same statuses.

Hypothesis profiles (LEANCLI_ORACLE_PROFILE): `ci` (the default: a fixed seed, a few
examples, seconds) and `soak` (random, many examples: benchmarks/soak.py).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tests.helpers.common import FAKE_REPL_COMMAND

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=3,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "soak",
    derandomize=False,
    deadline=None,
    max_examples=10_000,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Only the @example regressions: what each defect's test runs without the generator.
settings.register_profile("explicit", parent=settings.get_profile("ci"), phases=[Phase.explicit])
PROFILE = os.environ.get("LEANCLI_ORACLE_PROFILE", "ci")
settings.load_profile(PROFILE)

REPL = FAKE_REPL_COMMAND
# Long enough that a snippet of the simulated REPL never times out on a loaded machine,
# short enough that the one `hang` an input may hold costs little.
TIMEOUT = 4.0
# A run may draw the shorter timeout instead; a `slow` body (`-- fake: sleep SLOW`) passes
# under TIMEOUT and times out under SHORT_TIMEOUT, so that a verdict kept under one timeout
# and wrongly reused under the other shows.
SHORT_TIMEOUT = 1.5
SLOW = 2.5
TIMEOUTS = (SHORT_TIMEOUT, TIMEOUT)
HEADERS = ("", "import Lean\n", "import Mathlib\n")

# What each kind of body is, and the status the simulated REPL's cue gives it.
KINDS = ("pass", "fail", "sorry", "hang", "slow", "crash", "nothing")
EXPECTED = {
    "pass": "pass",
    "fail": "fail",
    "sorry": "sorry",
    "hang": "timeout",  # `-- fake: hang` never answers
    "slow": "pass",  # `-- fake: sleep SLOW`: under TIMEOUT (see `expected_status`)
    "crash": "crash",  # `-- fake: crash` exits the REPL; the retry does it again
    "nothing": "invalid",  # no command at all: nothing to check
}
NOTHING = ("", "-- only a comment", "/- a block comment -/\n")
PASSING = frozenset({"pass", "skipped"})
CACHED = frozenset({"pass", "fail", "sorry", "timeout"})  # what a warm cache answers
EXAMPLES_TRIED = 0  # runs held against the reference in this process (benchmarks/soak.py)


def body_of(kind: str, variant: int) -> str:
    if kind == "pass":
        return f"theorem pass_{variant} : True := trivial"
    if kind == "fail":
        return f"theorem fail_{variant} : True := by\n  -- fake: error\n  trivial"
    if kind == "sorry":
        return f"theorem sorry_{variant} : True := sorry"
    if kind == "hang":
        return f"theorem hang_{variant} : True := by\n  -- fake: hang\n  trivial"
    if kind == "slow":
        return f"theorem slow_{variant} : True := by\n  -- fake: sleep {SLOW}\n  trivial"
    if kind == "crash":
        return f"theorem crash_{variant} : True := by\n  -- fake: crash\n  trivial"
    return NOTHING[variant % len(NOTHING)]


@dataclass(frozen=True)
class Sample:
    """One snippet: `lead` blank lines between its header and its body move its
    positions without changing it (an identical snippet at another offset)."""

    kind: str
    variant: int
    header: int
    lead: int
    problem: str

    @property
    def code(self) -> str:
        return HEADERS[self.header] + "\n" * self.lead + body_of(self.kind, self.variant)

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two snippets identical: the header and the body, blank lines around
        it aside."""
        return HEADERS[self.header], body_of(self.kind, self.variant).strip()


# An input line: a Sample, "" (a blank line) or "bad:..." (a line that is no snippet).
Line = Sample | str
BAD_LINES = ("bad:not json", 'bad:{"id": "no-code"}', "bad:[1, 2]")


def render(lines: list[Line], *, first_pass: bool = True) -> bytes:
    """The JSONL text of `lines`: line n of the file is lines[n - 1]."""
    out = []
    for number, line in enumerate(lines, start=1):
        if isinstance(line, Sample):
            row: dict[str, Any] = {"id": f"s{number}", "code": line.code}
            if first_pass:
                row["problem"] = line.problem
            out.append(orjson.dumps(row).decode())
        else:
            out.append(line.removeprefix("bad:"))
    return ("\n".join(out) + "\n").encode()


def expected_status(kind: str, timeout: float = TIMEOUT) -> str:
    """The status of a body of `kind` checked alone under `timeout`."""
    if kind == "slow" and timeout < SLOW:
        return "timeout"
    return EXPECTED[kind]


def expected_positions(sample: Sample) -> list[int] | None:
    """The lines (of the snippet's own code) of the messages the simulated REPL gives
    `sample` checked alone; None where the reference does not say."""
    code = sample.code.split("\n")
    if sample.kind == "fail":
        return [next(i for i, text in enumerate(code, 1) if "-- fake: error" in text)]
    if sample.kind == "sorry":
        return [next(i for i, text in enumerate(code, 1) if "sorry" in text)]
    if sample.kind == "pass":
        return []
    return None


def reference(lines: list[Line], timeout: float = TIMEOUT) -> dict[int, str]:
    """The status of every input line, each judged alone under `timeout`: no dedup,
    cache, first pass."""
    statuses = {}
    for number, line in enumerate(lines, start=1):
        if isinstance(line, Sample):
            statuses[number] = expected_status(line.kind, timeout)
        elif line:  # not blank: not a snippet
            statuses[number] = "invalid"
    return statuses


# --- strategies ----------------------------------------------------------------------


@st.composite
def samples_of(draw: st.DrawFn, problem: str, hang_allowed: bool) -> list[Sample]:
    kinds = [k for k in KINDS if k not in ("hang", "slow") or hang_allowed]
    count = draw(st.integers(1, 6))
    kind = st.sampled_from(kinds)
    # Few variants, so that identical snippets come up often, also across problems.
    return [
        Sample(
            draw(kind),
            draw(st.integers(0, 1)),
            draw(st.integers(0, 2)),
            draw(st.integers(0, 2)),
            problem,
        )
        for _ in range(count)
    ]


@st.composite
def inputs(draw: st.DrawFn, *, blanks: bool = True, max_problems: int = 3) -> list[Line]:
    """1-3 problems of 1-6 samples, interleaved, with blank and bad lines among them;
    at most one sample hangs or is slow (each costs up to the timeout)."""
    problems = draw(st.integers(1, max_problems))
    hang_at = draw(st.integers(0, problems))  # the problem that may hang (== problems: none)
    lines: list[Line] = []
    for index in range(problems):
        lines += draw(samples_of(f"p{index}", hang_allowed=index == hang_at))
    hangs = [
        i
        for i, line in enumerate(lines)
        if isinstance(line, Sample) and line.kind in ("hang", "slow")
    ]
    for extra in hangs[1:]:
        sample = lines[extra]
        assert isinstance(sample, Sample)
        lines[extra] = Sample("fail", sample.variant, sample.header, sample.lead, sample.problem)
    lines = draw(st.permutations(lines))
    others = draw(st.lists(st.sampled_from((*BAD_LINES, "") if blanks else BAD_LINES), max_size=3))
    for other in others:
        lines.insert(draw(st.integers(0, len(lines))), other)
    return lines


@st.composite
def edits(draw: st.DrawFn, lines: list[Line]) -> list[Line]:
    """`lines` with some edited (another kind), blanked or deleted."""
    edited = list(lines)
    for _ in range(draw(st.integers(1, 3))):
        if not edited:
            break
        at = draw(st.integers(0, len(edited) - 1))
        action = draw(st.sampled_from(("edit", "blank", "delete")))
        line = edited[at]
        if action == "delete":
            del edited[at]
        elif action == "blank":
            edited[at] = ""
        elif isinstance(line, Sample):
            kind = draw(st.sampled_from([k for k in KINDS if k not in ("hang", "slow")]))
            edited[at] = Sample(kind, line.variant, line.header, line.lead, line.problem)
    return edited


# --- invariants ------------------------------------------------------------------------


@dataclass
class Mismatches:
    """What differs from the reference, one sentence each."""

    found: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.found.append(text)


def mismatches(
    lines: list[Line],
    results: list[dict[str, Any]],
    *,
    first_pass: bool,
    ordered: bool = False,
    exit_code: int | None = None,
    warm: bool = False,
    timeout: float = TIMEOUT,
    cold_timeout: float | None = None,
    passes: int = 1,
) -> list[str]:
    """Every way `results` (as written, in their order) break the invariants, against
    the reference under `timeout` (the run's). `warm`: a second run on the same cache,
    the first's under `cold_timeout` (default `timeout`), where every verdict of Lean's
    (and a timeout, unless this run waits longer) checked in the first must come from
    the cache (with --first-pass, what ran may differ); a verdict cached under the longer
    timeout may stand for this one's timeout. `passes`: --passes (with --first-pass)."""
    global EXAMPLES_TRIED
    EXAMPLES_TRIED += 1
    found = Mismatches()
    expected = reference(lines, timeout)
    cold = timeout if cold_timeout is None else cold_timeout
    kept = reference(lines, cold) if warm else expected  # what the cache may hold
    by_line: dict[int, dict[str, Any]] = {}
    counts = Counter(result["line"] for result in results)
    for line, count in sorted(counts.items()):
        if count > 1:
            found.add(f"line {line}: {count} results")
    for result in results:
        by_line[result["line"]] = result
    for line in sorted(set(expected) - set(by_line)):
        found.add(f"line {line}: no result (expected {expected[line]})")
    for line in sorted(set(by_line) - set(expected)):
        found.add(f"line {line}: a result ({by_line[line]['status']}) for no snippet")
    for line, result in sorted(by_line.items()):
        if line not in expected:
            continue
        want = expected[line]
        if result.get("cached") and kept[line] != want and kept[line] != "timeout":
            want = kept[line]  # a verdict of the longer timeout's, rightly reused
        _check_one(lines, by_line, line, result, want, first_pass, passes, found)
    if warm and not first_pass:
        for result in results:
            copy = result.get("duplicate_of") is not None
            unusable = result["status"] == "timeout" and timeout > cold
            if unusable or result["status"] != kept.get(result["line"]):
                continue
            if result["status"] in CACHED and not copy and not result.get("cached"):
                found.add(f"line {result['line']}: {result['status']} not from the warm cache")
    if ordered and [r["line"] for r in results] != sorted(r["line"] for r in results):
        found.add(f"--ordered: results in the order {[r['line'] for r in results]}")
    if exit_code is not None:
        code = 0 if all(r["status"] in PASSING for r in by_line.values()) else 1
        if exit_code != code:
            found.add(f"exit code {exit_code}, the statuses call for {code}")
    return found.found


def _check_one(
    lines: list[Line],
    by_line: dict[int, dict[str, Any]],
    line: int,
    result: dict[str, Any],
    want: str,
    first_pass: bool,
    passes: int,
    found: Mismatches,
) -> None:
    status = result["status"]
    sample = lines[line - 1]
    if status == "skipped":
        _check_skipped(lines, by_line, line, result, first_pass, passes, found)
    elif status != want:
        found.add(f"line {line}: {status}, the reference says {want} ({result.get('error')})")
    elif isinstance(sample, Sample):
        _check_positions(sample, line, result, found)
    copied = result.get("duplicate_of")
    if copied is not None:
        original = lines[copied - 1] if 0 < copied <= len(lines) else None
        if not isinstance(sample, Sample) or not isinstance(original, Sample):
            found.add(f"line {line}: duplicate_of {copied}, which is no snippet")
        elif original.identity != sample.identity:
            found.add(f"line {line}: duplicate_of {copied}, another snippet")
        elif copied in by_line and by_line[copied]["status"] != status:
            found.add(
                f"line {line}: {status}, a copy of line {copied}, which is "
                f"{by_line[copied]['status']}"
            )


def _check_skipped(
    lines: list[Line],
    by_line: dict[int, dict[str, Any]],
    line: int,
    result: dict[str, Any],
    first_pass: bool,
    passes: int,
    found: Mismatches,
) -> None:
    sample = lines[line - 1]
    passed = result.get("skipped_for")
    if not first_pass or not isinstance(sample, Sample):
        found.add(f"line {line}: skipped without --first-pass")
        return
    solver = lines[passed - 1] if isinstance(passed, int) and 0 < passed <= len(lines) else None
    if not isinstance(solver, Sample) or solver.problem != sample.problem:
        found.add(f"line {line} ({sample.problem}): skipped for line {passed}, not its problem's")
    elif not isinstance(passed, int) or by_line.get(passed, {}).get("status") != "pass":
        found.add(f"line {line}: skipped for line {passed}, which did not pass")
    else:
        passing = [
            number
            for number, other in by_line.items()
            if other["status"] == "pass"
            and isinstance(lines[number - 1], Sample)
            and getattr(lines[number - 1], "problem", None) == sample.problem
        ]
        if len(passing) < passes:
            found.add(
                f"line {line} ({sample.problem}): skipped with {len(passing)} passing "
                f"line(s) {passing}, --passes {passes}"
            )


def _check_positions(sample: Sample, line: int, result: dict[str, Any], found: Mismatches) -> None:
    """The lines of `result`'s messages (and sorries) against the reference's: those of
    this snippet's own code, wherever its copy or its cached verdict came from."""
    want = expected_positions(sample)
    if want is None:
        return
    for field_name in ("messages", "sorries"):
        if field_name == "sorries" and sample.kind != "sorry":
            continue
        got = sorted(
            item["pos"]["line"]
            for item in result.get(field_name) or []
            if isinstance(item, dict) and isinstance(item.get("pos"), dict)
        )
        if got != want:
            found.add(f"line {line}: {field_name} at lines {got}, the reference says {want}")


def describe(lines: list[Line]) -> str:
    """`lines` as a short table, for a mismatch's report."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if isinstance(line, Sample):
            text = (
                f"{line.problem} {line.kind}/{line.variant} header {line.header} lead {line.lead}"
            )
        else:
            text = repr(line)
        rows.append(f"  {number}: {text}")
    return "\n".join(rows)
