"""Snippets refused whatever Lean says, and the statement's text pre-check (pure functions).

A snippet that elaborates without errors may still cheat: declare an axiom, switch off
the kernel check, trust compiled code, or give the audit's commands another meaning.
"""

from __future__ import annotations

import re

from leancli.verdict.lexer import ID_CHAR, declarations, strip_comments
from leancli.verdict.lexer import tokens as lean_tokens

# --- cheats -----------------------------------------------------------------------------


_CHEAT_WORDS = re.compile(
    r"axiom|skipKernelTC|addDeclWithoutChecking|implemented_by|extern|#exit|macro|elab|syntax"
)
# Ways to give a command a new meaning; with "print" in the text they could rewrite the
# `#print axioms` the audit runs in the snippet's environment.
_SYNTAX_EXTENSIONS = frozenset(
    {"macro_rules", "elab_rules", "macro", "elab", "syntax", "command_elab"}
)


def find_cheats(body: str) -> list[str]:
    """Reasons to refuse `body` whatever Lean says; empty if none. Ignores comments.

    Flagged, each because it lets an unsound proof be accepted:
    - `axiom` declarations: an axiom can state anything, `False` included.
    - `debug.skipKernelTC` (set to anything but false): the kernel stops re-checking
      declarations, so a metaprogram or elaborator bug can add ill-typed proofs.
    - `addDeclWithoutChecking`: adds a declaration to the environment unchecked.
    - `@[implemented_by]` / `@[extern]`: replace a definition's compiled code with
      arbitrary code, which `native_decide` (`Lean.ofReduceBool`) then trusts, so a
      decision procedure can be made to return `true` for a false proposition.
    - `#exit`: Lean stops reading the file, so whatever follows (the theorem, or the
      `#print axioms` added to audit it) is never checked.
    - a macro, elaborator or syntax definition in a text that mentions `print`: it
      could give `#print axioms`, which the audit runs afterwards, another meaning.
    Not flagged: `unsafe` and `partial` defs (safe declarations cannot use unsafe ones,
    and partial ones are opaque to the kernel), `native_decide` itself (judged by its
    axioms in `judge_axioms`), and `sorry` (seen in messages and as `sorryAx`).
    """
    if not _CHEAT_WORDS.search(body):
        return []  # the common case, without lexing the whole text
    tokens = lean_tokens(body)
    reasons: dict[str, None] = {}
    for decl in declarations(tokens):
        if decl.keyword == "axiom":
            reasons[f"declares axiom `{decl.name or '?'}`"] = None
    for index, token in enumerate(tokens):
        before = tokens[index - 1] if index else ""
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        last = token.rsplit(".", 1)[-1]
        if last == "skipKernelTC" and not (before == "set_option" and after == "false"):
            reasons["`debug.skipKernelTC` turns off the kernel's type check"] = None
        elif last == "addDeclWithoutChecking":
            reasons["`addDeclWithoutChecking` adds a declaration without a kernel check"] = None
        elif token in ("implemented_by", "extern") and before in ("[", "@[", ","):
            reasons[f"`@[{token}]` swaps in compiled code that `native_decide` trusts"] = None
        elif token == "#exit":
            reasons["`#exit` stops Lean from checking the rest of the file"] = None
    if _SYNTAX_EXTENSIONS.intersection(tokens) and any("print" in t.lower() for t in tokens):
        reasons["new syntax or elaborators around `#print` could forge the axiom audit"] = None
    return list(reasons)


# --- statement --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return " ".join(strip_comments(text).split())


def statement_present(code: str, statement: str) -> bool:
    """Whether `code` still contains `statement`, up to whitespace and comments.

    Both are compared with comments removed (so a statement hidden in a comment does
    not count, and an edited docstring does not matter) and whitespace runs collapsed.
    The statement must appear as a substring whose ends fall on token boundaries, so a
    trailing `:= by` may be followed by the proof, but `x = 1` does not match `x = 10`.
    Raises ValueError on an empty statement, which would match anything.
    """
    needle = _normalise(statement)
    if not needle:
        raise ValueError("empty statement")
    haystack = _normalise(code)
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (_joins(haystack, start - 1, start) or _joins(haystack, end - 1, end)):
            return True
        start = haystack.find(needle, start + 1)
    return False


def _joins(text: str, left: int, right: int) -> bool:
    """Whether text[left] and text[right] are both identifier characters (one token)."""
    if left < 0 or right >= len(text):
        return False
    return bool(ID_CHAR.match(text[left]) and ID_CHAR.match(text[right]))


def refusal(body: str) -> str | None:
    """The error of a snippet refused whatever Lean says, or None."""
    cheats = find_cheats(body)
    return "refused: " + "; ".join(cheats) if cheats else None
