"""The package's layout: wings along the data path, imports one way, no circles.

Each wing's `__init__.py` says what it may import; `MAY_IMPORT` below is the same rule
as data, and a new import that breaks it fails here with the module that made it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "leancli"
# The library's face: small modules every wing may use (records, options, errors, ...),
# and the two that assemble a run (checker, config), which only the command line uses,
# and the run's receipt (which the command line and the checker write).
BASE = {"records", "options", "errors", "version", "progress"}
FACE = {"checker", "config", "receipt", "__init__", "__main__"}
WINGS = [
    "cli", "doctor", "run", "executors", "repl", "reports", "inputs",
    "sandbox", "toolchain", "verdict", "simulated",
]  # fmt: skip
# What each wing (and each face module) may import besides itself and BASE.
MAY_IMPORT: dict[str, set[str]] = {
    "cli": set(WINGS) | FACE,
    "__init__": {"checker", "config", "inputs", "run"},
    "__main__": {"cli"},
    "checker": {"config", "run", "executors", "inputs", "receipt"},
    "receipt": {"run", "toolchain", "simulated"},
    "rewards": {"checker", "inputs"},
    "config": {"run", "sandbox", "toolchain"},
    "doctor": {"executors", "repl", "sandbox", "toolchain", "verdict", "simulated"},
    "run": {"executors", "repl", "inputs", "verdict", "toolchain"},
    "executors": {"repl"},
    "repl": {"verdict", "sandbox", "inputs"},
    "reports": {"inputs"},
    "inputs": {"verdict"},
    "sandbox": {"toolchain"},
    "toolchain": {"simulated"},
    "verdict": set(),
    "simulated": set(),
}
MAY_IMPORT.update({name: set() for name in BASE})
MAY_IMPORT["progress"] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _home(module: str) -> str:
    """The wing (or face module) a module belongs to."""
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _imports(module: str) -> Iterator[tuple[str, bool]]:
    """Each leancli module `module` imports, and whether it names the package's face."""
    tree = ast.parse(MODULES[module].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "leancli":
                    yield alias.name, alias.name == "leancli"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "leancli":
                continue
            submodules = [f"{node.module}.{a.name}" for a in node.names]
            named = [m for m in submodules if m in MODULES]
            if named:
                yield from ((m, False) for m in named)
            else:
                yield node.module, node.module == "leancli"


def test_every_wing_and_face_module_has_a_rule() -> None:
    homes = {_home(module) for module in MODULES}
    assert homes == set(MAY_IMPORT), homes ^ set(MAY_IMPORT)


@pytest.mark.parametrize("wing", [w for w in WINGS if w != "cli"])
def test_each_wing_says_what_it_does_and_may_import(wing: str) -> None:
    docstring = ast.get_docstring(ast.parse((PACKAGE / wing / "__init__.py").read_text()))
    assert docstring and "May import:" in docstring, wing


def test_imports_point_one_way() -> None:
    wrong = []
    for module in MODULES:
        home = _home(module)
        for target, _ in _imports(module):
            there = _home(target)
            if there != home and there not in BASE and there not in MAY_IMPORT[home]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_nothing_below_the_command_line_imports_the_package_face() -> None:
    # `from leancli import Checker` in a wing would run leancli/__init__'s lazy lookups
    # from inside the library, and tie the wing to the public API's shape.
    wrong = [
        f"{module} imports leancli's face"
        for module in MODULES
        if _home(module) not in {"cli", "__main__"}
        for _, face in _imports(module)
        if face
    ]
    assert not wrong, wrong


def test_no_import_circles() -> None:
    graph = {m: {t for t, _ in _imports(m) if t in MODULES and t != m} for m in MODULES}
    # A package's own __init__ is imported with any of its modules: not an edge of its own.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not circles, circles
