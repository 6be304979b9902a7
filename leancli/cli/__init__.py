"""The `leancli` command line: a thin Typer layer over the Python API.

Each command parses its flags, hands them to the library, and turns the library's one
error base (`LeancliError`) into a message and an exit code; `check.py` holds the flags
of `check`, `check_run.py` its files and signals, `settings.py` the exit codes and run
settings, `run_outputs.py` and `output.py` where results go, `tools.py` the other
commands, `params.py` what they share.

May import: any wing. Nothing imports the command line; it holds no rule the library needs.
"""

from __future__ import annotations

import contextlib
import os
import sys

import typer

from leancli.cli import check as _check
from leancli.cli import tools as _tools
from leancli.cli.params import GroupedCommand, VersionOption
from leancli.cli.settings import fill_closed_standard_streams

app = typer.Typer(
    name="leancli",
    help="Check Lean 4 snippets in bulk over a pool of REPL workers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rich-formatted help costs ~0.2 s of imports on every `--help`.
    rich_markup_mode=None,
    # -h as ruff, uv and pytest take it, for every command.
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _app_options(
    version: VersionOption = False,
) -> None:
    """Check Lean 4 snippets in bulk over a pool of REPL workers."""


app.command("check", cls=GroupedCommand)(_check.check)
app.add_typer(_tools.cache_app, name="cache")
app.command("stats")(_tools.stats)
app.command("doctor")(_tools.doctor)
app.command("setup")(_tools.setup)


def main() -> None:
    """The console entry point: run the app, then exit without the interpreter's teardown.

    Unloading typer, rich and psutil takes about 0.1 s, longer than a short run's own
    shutdown. By now every file of ours is closed and every worker and REPL gone; what
    Python still buffers is flushed first. With Ray loaded, its own exit hooks run.
    """
    fill_closed_standard_streams()
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:  # Ctrl-C before a command took over its signals
        code = 130
    else:
        code = 0
    if "ray" in sys.modules or not isinstance(code, int | None):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`)
            stream.flush()
    os._exit(code or 0)
