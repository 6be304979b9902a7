"""One worker and its Lean REPL: start it, talk to it, measure it, decide what it said.

`worker` imports each header once and checks snippet bodies; `session` is the only place
that touches the REPL subprocess; `protocol` is the wire format (pure); `process_memory`
reads what the REPL's process tree costs; `standby` warms a spare REPL; `probe` asks
whether a REPL command can start at all; `kernel` replays a pass through a kernel checker
(`--trust kernel`).

May import: `verdict` (what an answer means), `sandbox` (how the REPL is confined),
`inputs.snippet` and the base modules. It knows nothing of pools, files or the CLI.
"""
