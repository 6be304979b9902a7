"""`leancli cache`, `stats`, `doctor` and `setup`: the commands around `check`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leancli.cli.params import (
    IncrementalOption,
    ProjectOption,
    RayAddressOption,
    ReplOption,
    VersionOption,
)

# --- cache -------------------------------------------------------------------------------

cache_app = typer.Typer(help="Inspect or clear the result cache of `check --cache`.")


@cache_app.command("stats")
def cache_stats(
    directory: Path | None = typer.Argument(None, help="Cache directory (default: leancli's)."),
    json_output: bool = typer.Option(False, "--json", help="JSON on stdout."),
    version: VersionOption = False,
) -> None:
    """Entries per status and size on disk."""
    import orjson

    from leancli.run.cache import cache_stats as read_stats
    from leancli.run.cache import default_cache_dir, describe

    where = directory or default_cache_dir()
    stats = read_stats(where)
    if json_output:
        typer.echo(orjson.dumps({"directory": str(where), **describe(stats)}).decode())
        return
    if stats.problem is not None and not stats.entries:
        typer.echo(f"{where}: cannot read the cache: {stats.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{where}: {stats.entries} entries, {stats.bytes / 2**20:.1f} MiB")
    for status, count in sorted(stats.by_status.items()):
        typer.echo(f"  {status}: {count}")
    if stats.problem is not None:
        typer.echo(f"{where}: runs cannot write to it now: {stats.problem}", err=True)
        raise typer.Exit(1)


@cache_app.command("clear")
def cache_clear(
    directory: Path | None = typer.Argument(None, help="Cache directory (default: leancli's)."),
    version: VersionOption = False,
) -> None:
    """Delete every cached verdict."""
    import sqlite3

    from leancli.run.cache import clear_cache, default_cache_dir

    where = directory or default_cache_dir()
    try:
        removed = clear_cache(where)
    except (sqlite3.Error, OSError) as exc:
        typer.echo(f"error: {where}: cannot clear the cache: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{where}: removed {removed} entries", err=True)


# --- stats -------------------------------------------------------------------------------


def stats(
    results: str = typer.Argument(..., help="Results JSONL written by `check`, or - for stdin."),
    by: str = typer.Option("id", "--by", help="Field grouping the samples of one problem."),
    k: list[str] | None = typer.Option(
        None,
        "--k",
        help="pass@k for these k, e.g. 1,8,32 or --k 1 --k 8 [default: powers of two].",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
    markdown: bool = typer.Option(
        False,
        "--markdown",
        help="Print the Markdown summary `check --format github` adds to the step summary.",
    ),
    version: VersionOption = False,
) -> None:
    """Status counts, time percentiles and pass@k of a results file."""
    if markdown:
        _markdown_summary(results)
        return
    # Imported here so that `leancli --help` and the other commands do not load them.
    import orjson

    from leancli.errors import LeancliError
    from leancli.reports.stats import collect_path, parse_ks, render

    try:
        ks = parse_ks(",".join(k)) if k else None  # --k given twice: both lists
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        summary = collect_path(results, by, ks).summary()
    except (LeancliError, OSError) as exc:
        typer.echo(f"error: {results}: {exc}", err=True)
        raise typer.Exit(2) from None
    from leancli.receipt import describe, read_receipt, receipt_path, stale_reason

    receipt = read_receipt(results) if results != "-" else None
    stale = stale_reason(receipt, results) if receipt is not None else None
    if stale is not None:  # another run's receipt: never shown as this one's
        typer.echo(
            f"note: {receipt_path(results)} is not these results' receipt: {stale}", err=True
        )
        receipt = None
    if as_json:
        typer.echo(orjson.dumps({**summary, "receipt": receipt, "receipt_stale": stale}).decode())
        return
    if receipt is not None:  # what the run was, before what came out of it
        typer.echo(f"receipt {receipt_path(results)}:")
        for line in describe(receipt):
            typer.echo(f"  {line}")
    render(summary)


def _markdown_summary(results: str) -> None:
    import os
    import sys

    from leancli.errors import LeancliError
    from leancli.reports.github import link_base
    from leancli.reports.markdown import summarize

    try:
        if results == "-":
            summary = summarize(sys.stdin.buffer)
        else:
            with open(results, "rb") as handle:
                summary = summarize(handle)
    except (LeancliError, OSError) as exc:
        typer.echo(f"error: {results}: {exc}", err=True)
        raise typer.Exit(2) from None
    rendered = summary.render(link_base(os.environ), os.environ.get("GITHUB_WORKSPACE"))
    typer.echo(rendered, nl=False)


# --- doctor / setup ----------------------------------------------------------------------


def doctor(
    project: ProjectOption = None,
    repl: ReplOption = None,
    incremental: IncrementalOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON on stdout.")
    ] = False,
    ray_address: RayAddressOption = None,
    version: VersionOption = False,
) -> None:
    """Say whether `leancli check` can run here, and the command that fixes each problem."""
    import orjson
    from rich.console import Console

    from leancli.doctor.diagnose import diagnose, render

    _require_dir(project)
    report = diagnose(repl, project, incremental=incremental, ray_address=ray_address)
    if as_json:
        typer.echo(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        # The report is the command's output: stdout, so `| less` and `| grep` see it.
        render(report, Console(highlight=False))
    raise typer.Exit(0 if report.ok else 1)


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
    checker: Annotated[
        bool,
        typer.Option(
            "--checker",
            help="Also build lean4checker for --trust kernel (Lean before v4.28.0, "
            "whose toolchains have no leanchecker).",
        ),
    ] = False,
    version: VersionOption = False,
) -> None:
    """Build a Lean REPL for your toolchain into the leancli cache (once per version)."""
    from rich.console import Console
    from rich.markup import escape

    from leancli.errors import LeancliError
    from leancli.toolchain.setup import RichProgress
    from leancli.toolchain.setup import setup as run_setup
    from leancli.toolchain.versions import LeanVersion

    _require_dir(project)
    if lean is not None and LeanVersion.parse(lean.rsplit(":", 1)[-1]) is None:
        typer.echo(f"error: --lean {lean!r} is not a Lean version such as v4.19.0", err=True)
        raise typer.Exit(2)
    console = Console(stderr=True, highlight=False)
    try:
        result = run_setup(
            project,
            mathlib=mathlib,
            fork=fork,
            checker=checker,
            lean=lean,
            progress=RichProgress(console),
        )
    except LeancliError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]: nothing was kept from the unfinished step")
        raise typer.Exit(130) from None
    console.print(f"REPL for Lean {result.version.tag}: {result.repl_dir}", soft_wrap=True)
    if result.mathlib_dir is not None:
        where = f"Mathlib project: {result.mathlib_dir} (check runs there without --project)"
        console.print(where, soft_wrap=True)
    if result.checker_dir is not None:
        console.print(f"lean4checker: {result.checker_dir}", soft_wrap=True)
    if not result.built:
        console.print("Nothing to do: everything was already set up.")
    console.print("`leancli check` finds it on its own; `leancli doctor` shows the details.")


def _require_dir(project: Path | None) -> None:
    from leancli.cli.settings import fail_usage
    from leancli.errors import ConfigError
    from leancli.toolchain.lake import require_project_dir

    try:
        require_project_dir(project)
    except ConfigError as exc:
        fail_usage(f"--project {exc.reason}")
