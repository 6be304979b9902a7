"""Finding and building a Lean REPL: discovery, `leancli setup`, versions, Lake, caches.

`discovery` finds the REPL `check` should run and says what is missing; `setup` and
`setup_steps` build one; `repl_source` picks the REPL's sources for a Lean version;
`versions` parses and orders Lean versions (pure); `lake` reads a Lake project;
`tools` the programs on PATH; `repl_checkout` what a built REPL is for; `problem` what
stops a check, with its fix; `cache_dirs` where builds are kept; `kernel_checker` the
checker `--trust kernel` runs.

May import: `simulated` (the simulated REPL is one of the REPLs found) and the base
modules. Facts about this machine are read here once and kept in frozen records.
"""
