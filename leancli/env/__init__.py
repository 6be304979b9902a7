"""Facts about this machine and its Lake projects, each read once and kept in a record.

`tools`: the programs on PATH (elan, lake, lean, git) and the versions they report;
`lake`: a Lake project's manifest, packages and whether Mathlib is built;
`repl_checkout`: the Lean a built REPL is for and what its sources can do;
`problem`: what stops a check, with the command that fixes it.
"""
