"""`leancli check`: its flags, turned into a `CheckRequest` and handed to the run."""

from __future__ import annotations

import enum
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from leancli.cli.params import (
    INPUT,
    LEAN,
    OUTPUT,
    RESOURCES,
    SCALE_OUT,
    TRUST,
    IncrementalOption,
    ProjectOption,
    RayAddressOption,
    ReplOption,
    VersionOption,
)


class ExecutorChoice(str, enum.Enum):
    local = "local"
    ray = "ray"


class FormatChoice(str, enum.Enum):
    jsonl = "jsonl"
    github = "github"


def _option(name: str, *aliases: str, panel: str, help: str, show_default: bool = True) -> Any:
    """An option in its help group; `show_default=False` where the help says the default
    itself (a computed one), so that it is shown once."""
    return typer.Option(name, *aliases, help=help, rich_help_panel=panel, show_default=show_default)


InputArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT...",
        help="JSONL files (- for standard input), .lean files, Markdown files (their "
        "`lean` blocks) and directories (their files matching --glob).",
    ),
]
Glob = Annotated[
    list[str],
    _option(
        "--glob",
        panel=INPUT,
        help="Which files of a directory INPUT to check, by their path in it (`*` also "
        "crosses `/`; repeatable) [default: *.lean, *.md].",
        show_default=False,
    ),
]
CodeField = Annotated[
    str | None, _option("--code-field", panel=INPUT, help="Field with the snippet.")
]
Template = Annotated[
    str | None,
    _option(
        "--template", panel=INPUT, help="Build the snippet from fields, e.g. '{header}{statement}'."
    ),
]
IdField = Annotated[str | None, _option("--id-field", panel=INPUT, help="Field with the id.")]
Strict = Annotated[
    bool, _option("--strict", panel=INPUT, help="Stop with exit 2 at the first invalid input line.")
]
Dedup = Annotated[
    bool, _option("--dedup/--no-dedup", panel=INPUT, help="Check identical snippets once.")
]
Heartbeats = Annotated[
    int | None,
    _option(
        "--heartbeats", panel=LEAN, help="Lean's maxHeartbeats for every snippet (in thousands)."
    ),
]
ElabAsync = Annotated[
    bool,
    _option(
        "--elab-async/--no-elab-async",
        panel=LEAN,
        help="Lean's parallel elaboration (Lean v4.19.0 and later; off: the pool keeps "
        "every core busy already).",
    ),
]
MaxHeaders = Annotated[
    int,
    _option(
        "--max-headers",
        panel=LEAN,
        help="Headers one REPL keeps imported; one more restarts it (bounds its memory).",
    ),
]
Workers = Annotated[
    int,
    _option(
        "--workers",
        "-w",
        panel=RESOURCES,
        help="REPL workers [default: usable cores].",
        show_default=False,
    ),
]
Timeout = Annotated[
    float, _option("--timeout", panel=RESOURCES, help="Seconds per snippet (wall clock).")
]
ImportTimeout = Annotated[
    float,
    _option(
        "--import-timeout", panel=RESOURCES, help="Seconds to import one header (e.g. Mathlib)."
    ),
]
MaxTasks = Annotated[
    int,
    _option(
        "--max-tasks", panel=RESOURCES, help="Replace a worker after this many snippets (0: never)."
    ),
]
MemoryLimit = Annotated[
    int,
    _option(
        "--memory-limit",
        panel=RESOURCES,
        help="MiB of anonymous resident memory per REPL (RssAnon of its process tree, "
        "where /proc has it; else its resident size) before it is recycled (at 80%) or "
        "stopped: the .olean pages an import maps are shared and droppable, not counted "
        "(0: off).",
    ),
]
HardMemoryLimit = Annotated[
    int | None,
    _option(
        "--hard-memory-limit",
        panel=RESOURCES,
        help="MiB of address space per REPL (RLIMIT_AS) [default: 2 x --memory-limit; "
        "0: none]; never less than the project's .olean files + 4 GiB, nor 12 GiB with "
        "Mathlib.",
    ),
]
Standby = Annotated[
    bool,
    _option(
        "--standby",
        panel=RESOURCES,
        help="Keep a spare REPL per worker warm with its headers, so that a REPL lost to a "
        "timeout or crash is replaced without a new import (costs a second REPL's memory).",
    ),
]
MinFreeMemory = Annotated[
    int,
    _option(
        "--min-free-memory",
        panel=RESOURCES,
        help="MiB of available system memory under which no snippet is handed out "
        "and the largest idle REPL is recycled (0: off).",
    ),
]
Sandbox = Annotated[
    bool,
    _option(
        "--sandbox",
        panel=TRUST,
        help="Run each REPL under bubblewrap: only the toolchain, the REPL, the project and "
        "the system's libraries, read-only; no network; no other program.",
    ),
]
TmpfsSize = Annotated[
    int,
    _option(
        "--tmpfs-size",
        panel=TRUST,
        help="MiB of the sandbox's private /tmp (and of any file the REPL writes; 0: no limit).",
    ),
]
PassEnv = Annotated[
    list[str],
    _option(
        "--pass-env",
        panel=TRUST,
        help="Let the REPL see this environment variable too (repeatable; also "
        "LEANCLI_PASS_ENV=NAME,NAME): it sees only PATH, HOME, the locale and Lean's, "
        "elan's and Lake's own.",
    ),
]
Audit = Annotated[
    bool,
    _option(
        "--audit/--no-audit",
        panel=TRUST,
        help="Check `#print axioms` of every passing declaration.",
    ),
]
TrustLevel = Annotated[
    str,
    _option(
        "--trust",
        panel=TRUST,
        help="audit: today's checks; kernel: also replay every pass through a kernel "
        "checker in a fresh process (leanchecker; see docs/trust.md).",
    ),
]
CheckerOption = Annotated[
    str | None,
    _option(
        "--checker",
        panel=TRUST,
        help="The kernel checker for --trust kernel, run as `CMD MODULE` (also "
        "LEANCLI_CHECKER; default: the toolchain's leanchecker; `simulated`).",
    ),
]
KernelTimeout = Annotated[
    float,
    _option(
        "--kernel-timeout",
        panel=TRUST,
        help="Seconds each kernel replay (making the module, then checking it) may take.",
    ),
]
AllowAxiom = Annotated[
    list[str], _option("--allow-axiom", panel=TRUST, help="Accept this axiom too (repeatable).")
]
AllowNativeDecide = Annotated[
    bool,
    _option(
        "--allow-native-decide", panel=TRUST, help="Accept native_decide (trusts the compiler)."
    ),
]
AllowEval = Annotated[
    bool,
    _option(
        "--allow-eval",
        panel=TRUST,
        help=(
            "Admit #eval (course and documentation snippets; use with --sandbox). Voids "
            "the audit: an #eval can forge the answers it reads."
        ),
    ),
]
StatementField = Annotated[
    str | None,
    _option(
        "--statement-field",
        panel=TRUST,
        help="Field holding the statement whose elaborated type the snippet must keep.",
    ),
]
PreambleField = Annotated[
    str | None,
    _option(
        "--preamble-field",
        panel=TRUST,
        help="Field holding the imports and opens the statement is read under [header].",
    ),
]
FirstPass = Annotated[
    str | None,
    _option(
        "--first-pass",
        panel=INPUT,
        help="Field naming each snippet's problem: once one sample of a problem passes, "
        "those not yet started are skipped (status skipped, skipped_for the passing line).",
    ),
]
Passes = Annotated[
    int,
    _option(
        "--passes",
        panel=INPUT,
        help="With --first-pass: a problem is done after this many passing samples "
        "(best-of-n, pass@k at large n).",
    ),
]


class ExtractChoice(str, enum.Enum):
    last_block = "last-block"
    first_block = "first-block"
    whole = "whole"


Extract = Annotated[
    ExtractChoice | None,
    _option(
        "--extract",
        panel=INPUT,
        help="The code field holds a model's answer: check its last (or first) ```lean4, "
        "```lean or untagged block, or the whole answer up to a closing fence; after what "
        "--template makes of the other fields. No block: invalid.",
    ),
]
Output = Annotated[
    Path | None,
    _option("--output", "-o", panel=OUTPUT, help="Write results here (JSONL) instead of stdout."),
]
Resume = Annotated[
    bool,
    _option(
        "--resume", panel=OUTPUT, help="Skip snippets already answered in -o FILE; append the rest."
    ),
]
ReportFormatOption = Annotated[
    FormatChoice,
    _option(
        "--format",
        panel=OUTPUT,
        help="github: annotations of failing snippets on stdout (the first 10 errors and "
        "10 warnings, as GitHub shows; results JSONL then only to -o FILE) and a summary "
        "appended to $GITHUB_STEP_SUMMARY.",
    ),
]
JUnit = Annotated[
    Path | None,
    _option("--junit", panel=OUTPUT, help="Write a JUnit XML report, one testcase per snippet."),
]
Force = Annotated[bool, _option("--force", panel=OUTPUT, help="Overwrite a non-empty -o FILE.")]
Fsync = Annotated[
    bool, _option("--fsync", panel=OUTPUT, help="fsync the output after every result.")
]
Ordered = Annotated[
    bool,
    _option(
        "--ordered",
        panel=OUTPUT,
        help="Write results in input order (each held until those before it are written), "
        "not as soon as each is known.",
    ),
]
Progress = Annotated[
    bool,
    _option(
        "--progress/--no-progress",
        panel=OUTPUT,
        help="Progress on stderr: a bar on a terminal, a line every --progress-interval "
        "seconds elsewhere (a CI log).",
    ),
]
ProgressInterval = Annotated[
    float,
    _option(
        "--progress-interval",
        panel=OUTPUT,
        help="Seconds between progress lines when stderr is no terminal (0: none).",
    ),
]
Quiet = Annotated[
    bool,
    _option("--quiet", "-q", panel=OUTPUT, help="No progress, notes or closing summary on stderr."),
]
Verbose = Annotated[
    bool, _option("--verbose", "-v", panel=OUTPUT, help="Also leancli's debug log on stderr.")
]
Cache = Annotated[
    Path | None,
    _option(
        "--cache",
        panel=OUTPUT,
        help="Keep verdicts in this directory (SQLite) and reuse them in later runs.",
    ),
]
Executor = Annotated[
    ExecutorChoice,
    _option(
        "--executor",
        panel=SCALE_OUT,
        help="Where workers run: a local process pool, or Ray actors.",
    ),
]
CpusPerRepl = Annotated[
    float,
    _option("--cpus-per-repl", panel=SCALE_OUT, help="CPUs Ray reserves for each REPL actor."),
]
MemoryPerRepl = Annotated[
    int,
    _option(
        "--memory-per-repl",
        panel=SCALE_OUT,
        help="MiB Ray reserves per REPL actor [default: --memory-limit].",
        show_default=False,
    ),
]


def check(
    input_paths: InputArgument,
    output: Output = None,
    repl: ReplOption = None,
    project: ProjectOption = None,
    workers: Workers = 0,
    timeout: Timeout = 60.0,
    import_timeout: ImportTimeout = 600.0,
    max_tasks: MaxTasks = 0,
    memory_limit: MemoryLimit = 8192,
    hard_memory_limit: HardMemoryLimit = None,
    code_field: CodeField = None,
    template: Template = None,
    id_field: IdField = None,
    heartbeats: Heartbeats = None,
    elab_async: ElabAsync = False,
    incremental: IncrementalOption = False,
    max_headers: MaxHeaders = 4,
    standby: Standby = False,
    dedup: Dedup = True,
    progress: Progress = True,
    progress_interval: ProgressInterval = 30.0,
    quiet: Quiet = False,
    verbose: Verbose = False,
    version: VersionOption = False,
    executor: Executor = ExecutorChoice.local,
    ray_address: RayAddressOption = None,
    cpus_per_repl: CpusPerRepl = 1.0,
    memory_per_repl: MemoryPerRepl = 0,
    resume: Resume = False,
    force: Force = False,
    fsync: Fsync = False,
    ordered: Ordered = False,
    strict: Strict = False,
    sandbox: Sandbox = False,
    tmpfs_size: TmpfsSize = 1024,
    pass_env: PassEnv = [],  # noqa: B006 (typer copies it)
    audit: Audit = True,
    trust: TrustLevel = "audit",
    checker: CheckerOption = None,
    kernel_timeout: KernelTimeout = 600.0,
    allow_axiom: AllowAxiom = [],  # noqa: B006 (typer copies it)
    allow_native_decide: AllowNativeDecide = False,
    allow_eval: AllowEval = False,
    statement_field: StatementField = None,
    preamble_field: PreambleField = None,
    first_pass: FirstPass = None,
    passes: Passes = 1,
    extract: Extract = None,
    cache: Cache = None,
    min_free_memory: MinFreeMemory = 0,
    glob: Glob = [],  # noqa: B006 (typer copies it)
    report_format: ReportFormatOption = FormatChoice.jsonl,
    junit: JUnit = None,
) -> None:
    """Check every snippet of the inputs and write one JSON result per snippet."""
    from leancli.cli import check_run
    from leancli.cli.settings import RunSettings
    from leancli.config import CheckRequest, ExecutorKind
    from leancli.inputs.sources import DEFAULT_GLOBS

    request = CheckRequest(
        repl=repl,
        project=project,
        workers=workers,
        timeout=timeout,
        import_timeout=import_timeout,
        max_tasks=max_tasks,
        memory_limit=memory_limit,
        hard_memory_limit=hard_memory_limit,
        heartbeats=heartbeats,
        elab_async=elab_async,
        incremental=incremental,
        max_headers=max_headers,
        standby=standby,
        dedup=dedup,
        executor=ExecutorKind(executor.value),
        ray_address=ray_address,
        cpus_per_repl=cpus_per_repl,
        memory_per_repl=memory_per_repl,
        sandbox=sandbox,
        tmpfs_size=tmpfs_size,
        pass_env=tuple(pass_env),
        audit=audit,
        trust=trust,
        checker=checker,
        kernel_timeout=kernel_timeout,
        allow_axioms=tuple(allow_axiom),
        allow_native_decide=allow_native_decide,
        allow_eval=allow_eval,
        min_free_memory=min_free_memory,
    )
    if not math.isfinite(progress_interval) or progress_interval < 0:
        from leancli.cli.settings import fail_usage

        fail_usage(
            "--progress-interval: must be 0 (off) or a finite number of seconds, "
            f"not {progress_interval}"
        )
    settings = RunSettings(
        progress=progress and not quiet,
        progress_interval=progress_interval,
        quiet=quiet,
        verbose=verbose,
        resume=resume,
        force=force,
        fsync=fsync,
        ordered=ordered,
        strict=strict,
        cache_dir=cache,
        globs=tuple(glob) if glob else DEFAULT_GLOBS,
        report_format=report_format.value,
        junit=junit,
    )
    fields = check_run.InputFields(
        code_field,
        template,
        id_field,
        statement_field,
        preamble_field,
        first_pass,
        extract.value if extract is not None else None,
        passes,
    )
    raise typer.Exit(check_run.check_files(input_paths, output, fields, request, settings))
