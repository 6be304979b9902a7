"""Restart recovery: what `--standby` saves when REPLs are lost to timeouts.

Every lost REPL normally costs a full header import before the next snippet of that
header can run. With `--standby`, each worker keeps a spare REPL warm with its headers
and swaps it in. The workload: one header that takes IMPORT seconds to import, and
snippets of which every Nth hangs until `--timeout`.

Run: .venv/bin/python benchmarks/standby.py [--quick]
"""

from __future__ import annotations

import argparse

from _common import fake_env, run_check, table, workdir, write_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run")
    args = parser.parse_args()
    snippets, every, import_seconds, cost = (40, 5, 2.0, 0.2) if args.quick else (120, 6, 4.0, 0.3)
    folder = workdir("standby")
    source = folder / "input.jsonl"
    write_jsonl(
        source,
        (
            {
                "id": str(n),
                "code": "import Mathlib\n"
                + ("-- fake: hang\n" if n % every == every - 1 else f"-- fake: sleep {cost}\n")
                + f"theorem t{n} : True := trivial",
            }
            for n in range(snippets)
        ),
    )
    env = fake_env(IMPORT_SECONDS=import_seconds)
    timeout = "1"
    plain = run_check(source, "--timeout", timeout, env=env)
    spare = run_check(source, "--timeout", timeout, "--standby", env=env)
    hangs = snippets // every
    print(
        f"{snippets} snippets on 2 workers, {hangs} of them hang until --timeout {timeout} s; "
        f"importing the header takes {import_seconds:g} s, other snippets {cost:g} s"
    )
    print(
        table(
            [
                ["run", "wall s", "timeouts", "pass"],
                *[
                    [
                        name,
                        f"{run.wall:.1f}",
                        str(sum(r["status"] == "timeout" for r in run.results)),
                        str(sum(r["status"] == "pass" for r in run.results)),
                    ]
                    for name, run in (("without --standby", plain), ("--standby", spare))
                ],
            ]
        )
    )
    print(
        f"--standby saves {plain.wall - spare.wall:.1f} s "
        f"({(plain.wall - spare.wall) / max(hangs, 1):.2f} s per lost REPL; "
        f"a full import is {import_seconds:g} s)"
    )


if __name__ == "__main__":
    main()
