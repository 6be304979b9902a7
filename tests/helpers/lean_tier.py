"""The `lean` test tier: find a real Lean REPL the way `leancli check` does, or say why not.

Tests marked `lean` run `leancli check` as a user would, against the REPL that discovery
(`leancli doctor`'s logic) finds: `--repl`/`LEANCLI_REPL`, the leancli cache filled by
`leancli setup` for the toolchain of the current directory, or a REPL built inside
`$LEANCLI_TEST_PROJECT`. Without one they skip, saying what was looked for.

`LEANCLI_LEAN_TIER` (for CI, so that the tier cannot skip silently):
- unset or `auto`: skip when there is no REPL (or no Mathlib, for the tests needing it);
- `require`: a missing REPL fails every test instead; the Mathlib tests still skip;
- `require-mathlib`: Mathlib must be there too.
`LEANCLI_LEAN_TIER_SETUP=vX.Y.Z` also runs `leancli setup --lean vX.Y.Z` into a
temporary cache (slow: it clones and builds the REPL); it needs elan and the network.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import orjson
import pytest

from leancli.options import MemoryLimits
from leancli.repl.protocol import CommandAnswer
from leancli.repl.session import ReplSession
from leancli.toolchain import cache_dirs
from leancli.toolchain.discovery import Discovery, discover_repl
from leancli.toolchain.lake import project_problems, read_project

TIER_ENV = "LEANCLI_LEAN_TIER"
SETUP_ENV = "LEANCLI_LEAN_TIER_SETUP"
PROJECT_ENV = "LEANCLI_TEST_PROJECT"
TAP = Path(__file__).resolve().parent / "lean_tier_tap.py"
REPO = Path(__file__).resolve().parents[2]
Mode = Literal["auto", "require", "require-mathlib"]
_MODES: tuple[Mode, ...] = ("auto", "require", "require-mathlib")


def tier_mode(environ: Mapping[str, str] = os.environ) -> Mode:
    """How a missing REPL or Mathlib is treated; a clear error for an unknown value."""
    value = environ.get(TIER_ENV, "").strip() or "auto"
    for mode in _MODES:
        if value == mode:
            return mode
    raise ValueError(f"{TIER_ENV}={value!r}: expected one of {', '.join(_MODES)}")


def unavailable(reason: str, *, required: bool) -> NoReturn:
    """Skip with `reason`, or fail with it when the tier was told to require the thing."""
    if required:
        pytest.fail(f"{reason} ({TIER_ENV}={os.environ.get(TIER_ENV)})", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class RealRepl:
    """The REPL discovery found, and what the tests need to know about where it runs."""

    found: Discovery
    project: Path | None

    @property
    def cwd(self) -> Path | None:
        assert self.found.spec is not None
        return self.found.spec.cwd

    @property
    def mathlib(self) -> bool:
        """Whether `import Mathlib` works where the REPL runs (a built Mathlib project)."""
        if self.cwd is None:
            return False
        project = read_project(self.cwd)
        return project.requires_mathlib and not project_problems(project)

    def project_args(self) -> list[str]:
        return ["--project", str(self.project)] if self.project is not None else []


def project_under_test(environ: Mapping[str, str] = os.environ) -> Path | None:
    value = environ.get(PROJECT_ENV)
    return Path(value).expanduser() if value else None


def find_real_repl(environ: Mapping[str, str] = os.environ) -> RealRepl | str:
    """The REPL `leancli check` would use here, or why there is none (what was looked for)."""
    project = project_under_test(environ)
    found = discover_repl(None, project, environ)
    if found.ok and found.spec is not None:
        if any("fake_repl" in part for part in found.spec.argv):
            return (
                "LEANCLI_REPL names the simulated REPL (tests/helpers/fake_repl.py), not a real one"
            )
        return RealRepl(found, project)
    problems = "; ".join(problem.message for problem in found.errors) or "for no known reason"
    return (
        f"no real Lean REPL ({problems}). Looked for --repl/LEANCLI_REPL, the leancli cache "
        f"({cache_dirs.cache_root(environ)}) for the toolchain of {Path.cwd()}"
        + (f", and a REPL built in {PROJECT_ENV}={project}" if project else "")
        + ". Get one with `leancli setup` (`leancli setup --mathlib` for the Mathlib tests; "
        "`leancli doctor` shows what is missing), or set LEANCLI_REPL"
    )


def real_repl_or_skip() -> RealRepl:
    """For a module-level fixture: the REPL, or the tier skips (or fails) saying why."""
    try:
        mode: Mode | None = tier_mode()
    except ValueError as exc:
        mode, problem = None, str(exc)
    if mode is None:
        pytest.fail(problem, pytrace=False)
    found = find_real_repl()
    if isinstance(found, str):
        unavailable(found, required=mode != "auto")
    return found


def require_mathlib(repl: RealRepl) -> None:
    if not repl.mathlib:
        where = repl.cwd or Path.cwd()
        unavailable(
            f"no Mathlib where the REPL runs ({where}): run `leancli setup --mathlib`, "
            f"or set {PROJECT_ENV} to a Lake project with Mathlib built",
            required=tier_mode() == "require-mathlib",
        )


# --- running leancli as a user would -------------------------------------------------------


@dataclass
class CheckRun:
    """One `leancli check` run: its exit code, stderr and results by id."""

    returncode: int
    stderr: str
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    def status(self, key: str) -> str:
        assert key in self.results, f"no result for {key}: {self.stderr}"
        return str(self.results[key]["status"])

    def statuses(self) -> dict[str, str]:
        return {key: str(row["status"]) for key, row in self.results.items()}


def leancli(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """`python -m leancli ARGS` in a process of its own, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "leancli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def check_rows(
    repl: RealRepl,
    rows: list[dict[str, Any]],
    workdir: Path,
    *options: str,
    cwd: Path | None = None,
    use_project: bool = True,
    timeout: float = 900,
) -> CheckRun:
    """Write `rows` as JSONL and check them with `leancli check ... OPTIONS`."""
    source = workdir / "input.jsonl"
    source.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return check_file(
        repl,
        source,
        workdir,
        *options,
        cwd=cwd,
        use_project=use_project,
        timeout=timeout,
    )


def check_file(
    repl: RealRepl,
    source: Path,
    workdir: Path,
    *options: str,
    cwd: Path | None = None,
    use_project: bool = True,
    timeout: float = 900,
) -> CheckRun:
    """`leancli check SOURCE -o RESULTS OPTIONS` (with --project when the tier has one)."""
    output = workdir / "results.jsonl"
    args = ["check", str(source), "-o", str(output), "--force", "--no-progress", *options]
    if use_project:
        args += repl.project_args()
    done = leancli(*args, cwd=cwd, timeout=timeout)
    results: dict[str, dict[str, Any]] = {}
    if output.is_file():
        for line in output.read_bytes().splitlines():
            row = orjson.loads(line)
            results[str(row["id"])] = row
    return CheckRun(done.returncode, done.stderr, results)


def tapped_repl_command(repl: RealRepl, log: Path) -> str:
    """A `--repl` command running the discovered REPL behind `lean_tier_tap.py`, which
    notes in `log` every request that imports a header (one without an `env`)."""
    assert repl.found.spec is not None
    return shlex.join([sys.executable, str(TAP), str(log), *repl.found.spec.argv])


def tapped_imports(log: Path) -> list[tuple[int, str]]:
    """(REPL process, header) for each import the tap saw."""
    if not log.is_file():
        return []
    rows = [orjson.loads(line) for line in log.read_bytes().splitlines() if line.strip()]
    return [(int(row["pid"]), str(row["header"]).strip()) for row in rows]


# --- what Lean itself says, without leancli ------------------------------------------------


def split_header(code: str) -> tuple[str, str]:
    """(header, rest): the leading import lines with the blank and comment lines among them.

    A line-based reading that suffices for the tests' own snippets; the real REPL parses
    the header it is sent."""
    lines = code.splitlines(keepends=True)
    count = 0
    for line in lines:
        text = line.strip()
        comment = text.startswith("--") or (
            text.startswith("/-") and text.endswith("-/") and not text.startswith(("/--", "/-!"))
        )
        if not (text == "" or text.startswith("import ") or comment):
            break
        count += 1
    header = "".join(lines[:count])
    if not any(line.lstrip().startswith("import ") for line in lines[:count]):
        return "", code
    return header, "".join(lines[count:])


class ReferenceRepl:
    """Lean's own answer to a snippet: its header imported once, then the rest sent with
    as many blank lines before it as the header had, so that Lean itself reports
    positions in the lines of the whole snippet (no shifting done by the test)."""

    def __init__(self, repl: RealRepl, options: list[str], timeout: float = 1200) -> None:
        assert repl.found.spec is not None
        self._session = ReplSession(repl.found.spec, MemoryLimits(rss_mb=0, address_space_mb=0))
        self._options = options
        self._timeout = timeout
        self._envs: dict[str, int] = {}

    def __enter__(self) -> ReferenceRepl:
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def answer(self, code: str) -> CommandAnswer:
        header, rest = split_header(code)
        env = self._env(header)
        padded = "\n" * header.count("\n") + rest
        answer = self._session.send({"cmd": padded, "env": env}, self._timeout)
        assert isinstance(answer, CommandAnswer), answer
        return answer

    def _env(self, header: str) -> int:
        if header not in self._envs:
            answer = self._session.send({"cmd": header}, self._timeout)
            assert isinstance(answer, CommandAnswer), answer
            assert not errors(answer.messages), (header, answer.messages)
            env = answer.env
            if self._options:
                options = self._session.send(
                    {"cmd": "\n".join(self._options), "env": env}, self._timeout
                )
                assert isinstance(options, CommandAnswer), options
                env = options.env
            self._envs[header] = env
        return self._envs[header]


def default_lean_options(repl: RealRepl) -> list[str]:
    """The options `leancli check` sets by default, so that the reference runs as it does:
    parallel elaboration off where Lean has the option (v4.19.0 and later)."""
    return ["set_option Elab.async false"] if repl.found.supports_elab_async else []


def errors(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("data")) for m in messages if m.get("severity") == "error"]


def lean_verdict(answer: CommandAnswer) -> str:
    """The verdict README defines, from Lean's answer alone: an error fails, a sorry
    (listed, or warned about in either spelling) makes `sorry`, else `pass`."""
    if errors(answer.messages):
        return "fail"
    warned = any(
        m.get("severity") == "warning" and "declaration uses" in str(m.get("data"))
        for m in answer.messages
    )
    return "sorry" if answer.sorries or warned else "pass"


def comparable(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Messages or sorries as sortable tuples, without the REPL's proof-state numbers."""
    return sorted(
        (
            str(entry.get("severity", "")),
            orjson.dumps(entry.get("pos"), option=orjson.OPT_SORT_KEYS),
            orjson.dumps(entry.get("endPos"), option=orjson.OPT_SORT_KEYS),
            str(entry.get("data", entry.get("goal", ""))),
        )
        for entry in entries
    )


def lines_of(entries: list[dict[str, Any]], severity: str | None = None) -> list[int]:
    return sorted(
        int(entry["pos"]["line"])
        for entry in entries
        if severity is None or entry.get("severity") == severity
    )
