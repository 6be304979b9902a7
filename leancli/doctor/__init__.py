"""`leancli doctor`: can `leancli check` run here, and if not, which command fixes it.

`diagnose` gathers every fact once and renders the table and `--json`; `sections` are
the report's typed records; `ray` checks that the REPL runs on every node of a Ray
cluster (`--ray-address`).

May import: everything below the command line except `run` and the library's face
(`checker`, `config`): doctor asks the same modules that `check` uses, never the loop.
"""
