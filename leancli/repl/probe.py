"""Whether a REPL command can start at all: one process, one empty command.

The run loop asks this once, when the first snippet of a run crashed before any REPL
gave a verdict: a missing script or a command such as `false` would crash every
snippet the same way, and is better reported once (exit 2) than once per line.
"""

from __future__ import annotations

from leancli.options import WorkerConfig
from leancli.repl.protocol import ErrorAnswer, command_request
from leancli.repl.session import ReplCrash, ReplFailure, ReplSession


def probe_repl(config: WorkerConfig) -> str | None:
    """Why the REPL of `config` cannot answer an empty command, or None if it can."""
    session = ReplSession(config.repl, config.memory, dict(config.environment))
    try:
        answer = session.send(command_request(""), config.import_timeout)
    except ReplCrash as exc:
        return f"{config.repl.describe()}: {exc}"
    except ReplFailure:  # slow or hungry, not broken: the snippets say more
        return None
    finally:
        session.close()
    if isinstance(answer, ErrorAnswer):
        return f"{config.repl.describe()}: it answered an empty command with {answer.message!r}"
    return None
