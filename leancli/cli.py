"""The `leancli` command line: a thin Typer layer over the Python API."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="leancli",
    help="Check Lean 4 snippets in bulk over a pool of REPL workers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rich-formatted help costs ~0.2 s of imports on every `--help`.
    rich_markup_mode=None,
)


# --- check -------------------------------------------------------------------------------


@app.command()
def check(
    input_path: str = typer.Argument(
        ..., metavar="INPUT", help="JSONL file of snippets, or - for standard input."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write results here (JSONL) instead of stdout."
    ),
    repl: str | None = typer.Option(
        None, "--repl", envvar="LEANCLI_REPL", help="Command line that starts one REPL."
    ),
    project: Path | None = typer.Option(
        None, "--project", help="Lake project to run the REPL in (`lake env <repl>`)."
    ),
    workers: int = typer.Option(0, "--workers", "-w", help="REPL workers (default: usable cores)."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds per snippet (wall clock)."),
    import_timeout: float = typer.Option(
        600.0, "--import-timeout", help="Seconds to import one header (e.g. Mathlib)."
    ),
    max_tasks: int = typer.Option(
        0, "--max-tasks", help="Replace a worker after this many snippets (0: never)."
    ),
    memory_limit: int = typer.Option(
        8192,
        "--memory-limit",
        help="MiB of anonymous resident memory per REPL (RssAnon of its process tree, "
        "where /proc has it; else its resident size) before it is recycled (at 80%) or "
        "stopped: the .olean pages an import maps are shared and droppable, not counted.",
    ),
    hard_memory_limit: int | None = typer.Option(
        None,
        "--hard-memory-limit",
        help="MiB of address space per REPL (RLIMIT_AS) [default: 2 x --memory-limit; 0: none]; "
        "never less than the project's .olean files + 4 GiB, nor 12 GiB with Mathlib.",
    ),
    code_field: str | None = typer.Option(None, "--code-field", help="Field with the snippet."),
    template: str | None = typer.Option(
        None, "--template", help="Build the snippet from fields, e.g. '{header}{statement}'."
    ),
    id_field: str | None = typer.Option(None, "--id-field", help="Field with the id."),
    heartbeats: int | None = typer.Option(
        None, "--heartbeats", help="Lean's maxHeartbeats for every snippet (in thousands)."
    ),
    elab_async: bool = typer.Option(
        False,
        "--elab-async/--no-elab-async",
        help="Lean's parallel elaboration (Lean v4.19.0 and later; off: the pool keeps "
        "every core busy already).",
    ),
    incremental: bool = typer.Option(
        False,
        "--incremental",
        help="Reuse the elaboration of shared prefixes (LeanInteract's REPL fork); keeps "
        "the samples of one problem on one worker.",
    ),
    max_headers: int = typer.Option(
        4,
        "--max-headers",
        help="Headers one REPL keeps imported; one more restarts it (bounds its memory).",
    ),
    standby: bool = typer.Option(
        False,
        "--standby",
        help="Keep a spare REPL per worker warm with its headers, so that a REPL lost to a "
        "timeout or crash is replaced without a new import (costs a second REPL's memory).",
    ),
    dedup: bool = typer.Option(True, "--dedup/--no-dedup", help="Check identical snippets once."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
    executor: str = typer.Option(
        "local", "--executor", help="Where workers run: local (process pool) or ray."
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", envvar="RAY_ADDRESS", help="Ray cluster to join [default: local]."
    ),
    cpus_per_repl: float = typer.Option(
        1.0, "--cpus-per-repl", help="CPUs Ray reserves for each REPL actor."
    ),
    memory_per_repl: int = typer.Option(
        0, "--memory-per-repl", help="MiB Ray reserves per REPL actor [default: --memory-limit]."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Skip snippets already answered in -o FILE; append the rest."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty -o FILE."),
    fsync: bool = typer.Option(False, "--fsync", help="fsync the output after every result."),
    strict: bool = typer.Option(
        False, "--strict", help="Stop with exit 2 at the first invalid input line."
    ),
    sandbox: bool = typer.Option(
        False, "--sandbox", help="Run each REPL under bubblewrap: no network, read-only files."
    ),
    audit: bool = typer.Option(
        True, "--audit/--no-audit", help="Check `#print axioms` of every passing declaration."
    ),
    allow_axiom: list[str] = typer.Option(
        [], "--allow-axiom", help="Accept this axiom too (repeatable)."
    ),
    allow_native_decide: bool = typer.Option(
        False, "--allow-native-decide", help="Accept native_decide (trusts the compiler)."
    ),
    statement_field: str | None = typer.Option(
        None,
        "--statement-field",
        help="Field holding the statement the snippet must still contain.",
    ),
    cache: Path | None = typer.Option(
        None,
        "--cache",
        help="Keep verdicts in this directory (SQLite) and reuse them in later runs.",
    ),
    min_free_memory: int = typer.Option(
        0,
        "--min-free-memory",
        help="MiB of available system memory under which no snippet is handed out "
        "and the largest idle REPL is recycled (0: off).",
    ),
) -> None:
    """Check every snippet of a JSONL file and write one JSON result per snippet."""
    from leancli import _check_command as command
    from leancli.items import InputSpec
    from leancli.options import (
        AuditOptions,
        CheckOptions,
        RayOptions,
        WorkerConfig,
    )

    try:
        spec = command.input_spec(code_field, template, id_field, statement_field)
        found = command.resolve_repl(repl, project, incremental=incremental)
        assert found.spec is not None
        lean = command.lean_options(
            found, heartbeats=heartbeats, elab_async=elab_async, incremental=incremental
        )
        if executor != "ray":  # on a cluster, the path must exist on the nodes instead
            command.require_executable(found.spec)
        repl_spec = command.sandboxed(found.spec) if sandbox else found.spec
    except command.UsageError as exc:
        command.fail_usage(str(exc))
    if executor == "ray" and min_free_memory:
        # This machine's memory says nothing of the nodes'; Ray watches their memory.
        typer.echo("warning: --min-free-memory is ignored with --executor ray", err=True)
        min_free_memory = 0
    options = CheckOptions(
        worker=WorkerConfig(
            repl=repl_spec,
            timeout=timeout,
            import_timeout=import_timeout,
            memory=command.memory_limits(memory_limit, hard_memory_limit, found),
            lean=lean,
            standby=standby,
            max_headers=max_headers,
            audit=AuditOptions(audit, frozenset(allow_axiom), allow_native_decide),
        ),
        workers=workers,
        max_tasks=max_tasks,
        dedup=dedup,
        executor=executor,
        min_free_memory_mb=min_free_memory,
        ray=RayOptions(
            address=ray_address,
            cpus_per_repl=cpus_per_repl,
            memory_per_repl_mb=memory_per_repl or memory_limit,
        ),
    )
    assert isinstance(spec, InputSpec)
    settings = command.RunSettings(
        progress=progress,
        resume=resume,
        force=force,
        fsync=fsync,
        strict=strict,
        cache_dir=cache,
        fingerprint=command.environment_fingerprint(found) if cache else "",
    )
    try:
        code = command.run(input_path, output, spec, options, settings)
    except KeyboardInterrupt:  # before the run loop took over (starting workers, say)
        code = command.EXIT_INTERRUPTED
    raise typer.Exit(code)


# --- cache -------------------------------------------------------------------------------

cache_app = typer.Typer(help="Inspect or clear the result cache of `check --cache`.")
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(
    directory: Path | None = typer.Argument(None, help="Cache directory (default: leancli's)."),
    json_output: bool = typer.Option(False, "--json", help="JSON on stdout."),
) -> None:
    """Entries per status and size on disk."""
    import orjson

    from leancli.result_cache import cache_stats as read_stats
    from leancli.result_cache import default_cache_dir, describe

    where = directory or default_cache_dir()
    stats = read_stats(where)
    if json_output:
        typer.echo(orjson.dumps({"directory": str(where), **describe(stats)}).decode())
        return
    typer.echo(f"{where}: {stats.entries} entries, {stats.bytes / 2**20:.1f} MiB")
    for status, count in sorted(stats.by_status.items()):
        typer.echo(f"  {status}: {count}")


@cache_app.command("clear")
def cache_clear(
    directory: Path | None = typer.Argument(None, help="Cache directory (default: leancli's)."),
) -> None:
    """Delete every cached verdict."""
    from leancli.result_cache import clear_cache, default_cache_dir

    where = directory or default_cache_dir()
    typer.echo(f"{where}: removed {clear_cache(where)} entries", err=True)


# --- stats -------------------------------------------------------------------------------


@app.command()
def stats(
    results: str = typer.Argument(..., help="Results JSONL written by `check`, or - for stdin."),
    by: str = typer.Option("id", "--by", help="Field grouping the samples of one problem."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
) -> None:
    """Status counts, time percentiles and pass@k of a results file."""
    # Imported here so that `leancli --help` and the other commands do not load them.
    import orjson

    from leancli.stats import StatsError, collect_path, render

    try:
        summary = collect_path(results, by).summary()
    except (StatsError, OSError) as exc:
        typer.echo(f"error: {results}: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(orjson.dumps(summary).decode())
    else:
        render(summary)


# --- doctor / setup ----------------------------------------------------------------------


@app.command()
def doctor(
    project: Annotated[
        Path | None,
        typer.Option("--project", help="Lake project that `check --project` will run in."),
    ] = None,
    repl: Annotated[
        str | None,
        typer.Option("--repl", help="The REPL command that `check --repl` will get."),
    ] = None,
    incremental: Annotated[
        bool, typer.Option("--incremental", help="Prefer the REPL fork (--incremental).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON on stdout.")
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", help="Also start the REPL on every node of this cluster."),
    ] = None,
) -> None:
    """Say whether `leancli check` can run here, and the command that fixes each problem."""
    import orjson
    from rich.console import Console

    from leancli.doctor import diagnose, render

    _require_dir(project)
    report = diagnose(repl, project, incremental=incremental, ray_address=ray_address)
    if as_json:
        typer.echo(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        render(report, Console(stderr=True, highlight=False))
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def setup(
    project: Annotated[
        Path | None,
        typer.Option("--project", help="Build for this Lake project's toolchain (default: here)."),
    ] = None,
    mathlib: Annotated[
        bool, typer.Option("--mathlib", help="Also make a Lake project with Mathlib, cached.")
    ] = False,
    fork: Annotated[
        bool, typer.Option("--fork", help="Build LeanInteract's REPL fork (for --incremental).")
    ] = False,
    lean: Annotated[
        str | None,
        typer.Option("--lean", help="Build for this Lean version (e.g. v4.19.0)."),
    ] = None,
) -> None:
    """Build a Lean REPL for your toolchain into the leancli cache (once per version)."""
    from rich.console import Console
    from rich.markup import escape

    from leancli.setup import RichProgress, SetupError
    from leancli.setup import setup as run_setup
    from leancli.toolchain import LeanVersion

    _require_dir(project)
    if lean is not None and LeanVersion.parse(lean.rsplit(":", 1)[-1]) is None:
        typer.echo(f"error: --lean {lean!r} is not a Lean version such as v4.19.0", err=True)
        raise typer.Exit(2)
    console = Console(stderr=True, highlight=False)
    try:
        result = run_setup(
            project, mathlib=mathlib, fork=fork, lean=lean, progress=RichProgress(console)
        )
    except SetupError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]: nothing was kept from the unfinished step")
        raise typer.Exit(130) from None
    console.print(f"REPL for Lean {result.version.tag}: {result.repl_dir}", soft_wrap=True)
    if result.mathlib_dir is not None:
        where = f"Mathlib project: {result.mathlib_dir} (check runs there without --project)"
        console.print(where, soft_wrap=True)
    if not result.built:
        console.print("Nothing to do: everything was already set up.")
    console.print("`leancli check` finds it on its own; `leancli doctor` shows the details.")


def _require_dir(project: Path | None) -> None:
    if project is not None and not project.is_dir():
        typer.echo(f"error: --project {project}: no such directory", err=True)
        raise typer.Exit(2)


def main() -> None:
    """The console entry point: run the app, then exit without the interpreter's teardown.

    Unloading typer, rich and psutil takes about 0.1 s, longer than a short run's own
    shutdown. By now every file of ours is closed and every worker and REPL gone; what
    Python still buffers is flushed first. With Ray loaded, its own exit hooks run.
    """
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if "ray" in sys.modules or not isinstance(code, int | None):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`)
            stream.flush()
    os._exit(code or 0)
