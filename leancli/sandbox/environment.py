"""What a REPL sees of leancli's environment (pure): what Lean needs and what the user names.

A snippet's `#eval` can read every variable of its REPL's environment, so API keys and
tokens of the user's shell must not reach it. A REPL gets the names below, the names
given with `--pass-env NAME` and those listed in LEANCLI_PASS_ENV (`NAME,NAME`; a
trailing `*` passes every name with that prefix), nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PASS_ENV_VARIABLE = "LEANCLI_PASS_ENV"

# Named one by one rather than by prefix: Lake reads secrets from variables of its own
# prefix too (LAKE_CACHE_KEY, the key that uploads to an artifact cache).
KEPT_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "LC_CTYPE",
        "LC_MESSAGES",
        "TZ",
        "XDG_CACHE_HOME",
        # Where a Lean executable finds its shared libraries (`lake env` sets them too).
        "LD_LIBRARY_PATH",
        "DYLD_LIBRARY_PATH",
        # Lean
        "LEAN_PATH",
        "LEAN_SRC_PATH",
        "LEAN_SYSROOT",
        "LEAN_CC",
        "LEAN_AR",
        "LEAN_GITHASH",
        "LEAN_NUM_THREADS",
        "LEAN_ABORT_ON_PANIC",
        # elan
        "ELAN",
        "ELAN_HOME",
        "ELAN_TOOLCHAIN",
        # Lake
        "LAKE",
        "LAKE_HOME",
        "LAKE_OVERRIDE_LEAN",
        "LAKE_NO_CACHE",
        "LAKE_PKG_URL_MAP",
        "LAKE_CACHE_DIR",
        "LAKE_ARTIFACT_CACHE",
    }
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\*?")


def listed_names(text: str) -> tuple[str, ...]:
    """The names of a `NAME,NAME` list (blanks around them and empty entries ignored)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def bad_name(names: Iterable[str]) -> str | None:
    """The first entry that is not a variable name (or a prefix ending in `*`), if any."""
    return next((name for name in names if not _NAME.fullmatch(name)), None)


def repl_environment(
    environ: Mapping[str, str],
    pass_env: Iterable[str] = (),
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables of `environ` a REPL may see, then leancli's own `extra` settings."""
    names = {*pass_env, *listed_names(environ.get(PASS_ENV_VARIABLE, ""))}
    exact = KEPT_NAMES | {name for name in names if not name.endswith("*")}
    prefixes = tuple(name[:-1] for name in names if name.endswith("*") and len(name) > 1)
    kept = {
        name: value
        for name, value in environ.items()
        if name in exact or (prefixes and name.startswith(prefixes))
    }
    kept.update(extra or {})
    return kept
