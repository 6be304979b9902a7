"""Options that several commands share, written once, and `--help` in groups.

Help is plain text (click's formatter): rich-formatted help costs about 0.2 s of imports
on every `--help`, so the groups are drawn here from each option's `rich_help_panel`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

INPUT, LEAN, RESOURCES, TRUST, OUTPUT, SCALE_OUT = (
    "Input",
    "Lean",
    "Resources",
    "Trust",
    "Output",
    "Scale-out",
)

GROUP_ORDER = (INPUT, LEAN, RESOURCES, TRUST, OUTPUT, SCALE_OUT, "Options")

ReplOption = Annotated[
    str | None,
    typer.Option(
        "--repl",
        help="Command line that starts one REPL, or `simulated` (recorded answers) "
        "[default: $LEANCLI_REPL, else the REPL `leancli setup` built].",
        rich_help_panel=LEAN,
    ),
]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        help="Lake project to run the REPL in (`lake env <repl>`).",
        rich_help_panel=LEAN,
    ),
]
IncrementalOption = Annotated[
    bool,
    typer.Option(
        "--incremental",
        help="Reuse the elaboration of shared prefixes (LeanInteract's REPL fork); keeps "
        "the samples of one problem on one worker.",
        rich_help_panel=LEAN,
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        envvar="RAY_ADDRESS",
        help="Ray cluster to join [default: a local one].",
        rich_help_panel=SCALE_OUT,
    ),
]


def print_version(value: bool) -> None:
    """`-V`/`--version`: print leancli's version and exit (the eager option's callback)."""
    if value:
        from leancli.version import __version__

        typer.echo(f"leancli {__version__}")
        raise typer.Exit()


# -V as ruff, uv and pytest take it, for every command (docs/output.md).
VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        "-V",
        callback=print_version,
        is_eager=True,
        expose_value=False,
        help="Print leancli's version and exit.",
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


class GroupedCommand(TyperCommand):
    """Plain help whose options stand in the groups their `rich_help_panel` names."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append(record)
            else:
                panel = getattr(param, "rich_help_panel", None) or "Options"
                groups.setdefault(panel, []).append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        order = [*GROUP_ORDER, *(title for title in groups if title not in GROUP_ORDER)]
        for title in order:
            if groups.get(title):
                with formatter.section(title):
                    formatter.write_dl(groups[title])
