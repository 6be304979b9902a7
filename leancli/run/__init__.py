"""The run loop: items in, results out, each input line answered exactly once.

`loop` reads items, schedules tasks on an executor and yields results as they finish;
`input_thread` reads input in a thread of its own and keeps `--ordered` output in order;
`schedule` picks which task a free worker takes (header affinity, then age); `cancel`
carries the lines of a cancelled `Checker` call to the loop; `resume` reads what an
earlier run's output already answers; `cache` is the persistent verdict cache (SQLite).
Everything that decides which lines run, and which are answered without running, lives
here.

May import: `executors`, `repl.probe`, `inputs`, `verdict`, `toolchain.cache_dirs` and the
base modules.
"""
