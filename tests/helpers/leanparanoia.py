"""LeanParanoia's exploit suite (tests/data/leanparanoia, MIT) as leancli snippets.

`answers.json` says per file how a real Lean answers what the simulated REPL does not
model, which files its `import LeanTestProject...` lines name (inlined: a snippet is one
file) and leancli's verdict. The simulated tier adds Lean's answers as the fake REPL's cue
lines (comments, which a real Lean ignores); the lean tier sends the same text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SUITE = Path(__file__).resolve().parents[1] / "data" / "leanparanoia"
ANSWERS: dict[str, dict[str, Any]] = {
    path: answer
    for path, answer in json.loads((SUITE / "answers.json").read_text()).items()
    if not path.startswith("_")
}
_PROJECT_IMPORT = re.compile(r"^import LeanTestProject\.\S+\n", re.MULTILINE)
_IMPORT = re.compile(r"^import \S+\n", re.MULTILINE)


def snippet(path: str) -> str:
    """The file with its project imports inlined and Lean's answers as cue lines."""
    answer = ANSWERS[path]
    sources = [(SUITE / name).read_text() for name in [*answer.get("inline", []), path]]
    imports = [line for text in sources for line in _IMPORT.findall(_PROJECT_IMPORT.sub("", text))]
    bodies = [_IMPORT.sub("", _PROJECT_IMPORT.sub("", text)) for text in sources]
    cues = [
        f"-- fake: axioms {name}={','.join(axioms)}"
        for name, axioms in answer.get("lean", {}).get("axioms", {}).items()
    ]
    if answer.get("lean", {}).get("error"):
        cues.append("-- fake: error")
    return "".join(dict.fromkeys(imports)) + "\n".join([*bodies, *cues]) + "\n"
