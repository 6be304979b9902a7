"""What a REPL may see and use: bubblewrap, seccomp, its environment, its address space.

`bubblewrap` builds the confined command (`--sandbox`) and the binds it needs;
`seccomp` is the launcher run inside it so that the REPL can start no other program;
`environment` is the minimal environment a REPL gets (`--pass-env`); `address_space`
is the floor under `--memory-limit` that Lean's mapped .olean files need.

May import: `toolchain` (what a project imports) and the base modules.
"""
