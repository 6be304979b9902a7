"""Snippets refused whatever Lean says, and the statement's text pre-check (pure functions).

A snippet that elaborates without errors may still cheat: declare an axiom, switch off
the kernel check, trust compiled code, or run code at elaboration that gives the audit's
commands another meaning. Constructs are found on Lean's identifiers (guillemets removed,
dotted names as a whole), never on characters, and each refusal names its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from leancli.options import AuditOptions
from leancli.verdict.lexer import (
    ID_CHAR,
    IDENT,
    Token,
    declarations,
    declared_names,
    located_tokens,
    name_parts,
    plain_name,
    strip_comments,
)

# --- cheats -----------------------------------------------------------------------------

# Every construct refused below contains one of these: text without any is not lexed.
_CHEAT_WORDS = re.compile(
    r"axiom|skipKernelTC|addDeclWithoutChecking|implemented_by|extern|#exit|macro|elab"
    r"|syntax|init|run_|#eval|unsafe|native|ofReduceBool|trustCompiler|tactic|parser"
)
# Attributes that swap in compiled code or register code run at elaboration.
_CODE_ATTRIBUTES = frozenset(
    {"implemented_by", "extern", "init", "command_elab", "term_elab", "tactic", "macro"}
    | {"command_parser", "term_parser", "builtin_init", "builtin_command_elab"}
    | {"builtin_term_elab", "builtin_tactic", "builtin_macro"}
)
# Commands that run code as they are elaborated.
_RUNS_CODE = {
    "run_cmd": "runs a command elaborator's code",
    "run_tac": "runs a tactic's code",
    "run_elab": "runs elaborator code",
    "run_meta": "runs metaprogram code",
    "initialize": "runs code when the environment is loaded",
    "builtin_initialize": "runs code when the environment is loaded",
    "unsafe": "escapes the kernel's checks in compiled code",
    "elab": "defines an elaborator, code run at elaboration",
    "elab_rules": "defines an elaborator, code run at elaboration",
    "#exit": "stops Lean from checking the rest of the file",
}
_NATIVE_AXIOMS = frozenset({"ofReduceBool", "trustCompiler"})
# Commands that start a declaration or a top-level query: what a `native_decide` is in.
_STARTS = frozenset(
    {"theorem", "lemma", "def", "abbrev", "instance", "example", "opaque", "axiom"}
    | {"structure", "class", "inductive", "#eval", "#reduce", "#check", "#guard", "#print"}
)
# Commands that end a `syntax` or `macro_rules` command.
_COMMANDS = _STARTS | frozenset(
    {"syntax", "macro", "macro_rules", "elab", "elab_rules", "notation", "open", "end"}
    | {"namespace", "section", "set_option", "attribute", "variable", "universe", "@["}
)


def find_cheats(body: str, audit: AuditOptions | None = None, offset: int = 0) -> list[str]:
    """Reasons to refuse `body` whatever Lean says, each naming its construct and line
    (`offset` added: the body's first line is the input's line `offset + 1`); empty if
    none. Comments and strings are ignored.

    Refused, each because it lets an unsound proof pass or the audit be forged: `axiom`
    declarations; `debug.skipKernelTC` (set to anything but false); `addDeclWithoutChecking`;
    attributes that swap in compiled code (`implemented_by`, `extern`, which
    `native_decide` trusts) or register elaboration code (`command_elab`, `macro`, ...);
    `#exit`; code run at elaboration (`run_cmd`, `run_tac`, `initialize`, `elab`,
    `unsafe`, `#eval` unless `allow_eval`); command-level `syntax`, `macro` and
    `macro_rules`, which could give `#print axioms` another meaning (tactic- and term-level
    macros and `notation` stay allowed); and, unless `allow_native_decide`, `native_decide`
    and the compiler's axioms in a declaration the audit cannot name, such as an `example`.
    """
    audit = audit or AuditOptions()
    if not _CHEAT_WORDS.search(body):
        return []  # the common case, without lexing the whole text
    tokens = located_tokens(body)
    reasons = {f"{why} (line {line + offset})": None for why, line in _cheats(tokens, audit)}
    return list(reasons)


def _cheats(tokens: list[Token], audit: AuditOptions) -> Iterator[tuple[str, int]]:
    texts = [token.text for token in tokens]
    named_starts = {}
    for decl in declarations(texts):
        if decl.keyword == "axiom":
            yield (
                f"declares axiom `{decl.name or '?'}`, which can state anything",
                tokens[decl.at].line,
            )
        named_starts[decl.at] = decl.name is not None and decl.keyword != "axiom"
    named = False
    for index, token in enumerate(tokens):
        # Any command ends the declaration before it: a `macro` or `notation` after a
        # theorem is not part of what `#print axioms` of that theorem shows.
        if token.text in _COMMANDS and not _is_attribute(texts, index):
            named = named_starts.get(index, False)
        why = _refusal_at(texts, index, audit, named)
        if why is not None:
            yield why, token.line


def _refusal_at(texts: list[str], index: int, audit: AuditOptions, named: bool) -> str | None:
    text = texts[index]
    before = texts[index - 1] if index else ""
    after = texts[index + 1] if index + 1 < len(texts) else ""
    parts = name_parts(text) if IDENT.fullmatch(text) else ()
    last = parts[-1] if parts else text
    if last == "skipKernelTC" and not (before == "set_option" and after == "false"):
        return "`debug.skipKernelTC` turns off the kernel's type check"
    if last == "addDeclWithoutChecking":
        return "`addDeclWithoutChecking` adds a declaration without a kernel check"
    if text in _CODE_ATTRIBUTES and _is_attribute(texts, index):
        return f"`@[{text}]` swaps in compiled or elaboration code"
    if text == "#eval" and not audit.allow_eval:
        return "`#eval` runs code at elaboration (--allow-eval admits it)"
    if text in _RUNS_CODE and not _is_attribute(texts, index):
        return f"`{text}` {_RUNS_CODE[text]}"
    command = text in ("syntax", "macro", "macro_rules") and not _is_attribute(texts, index)
    if command and _command_level(texts, index):
        return f"command-level `{text}` could give `#print axioms` another meaning"
    if not named and not audit.allow_native_decide and _is_native(texts, index, last):
        return (
            f"`{_native_name(text)}` in a declaration the audit cannot name, such as an `example`"
        )
    return None


def _is_attribute(texts: list[str], index: int) -> bool:
    """Whether the token at `index` names an attribute: `@[a]`, `attribute [a]`, `[b, a]`."""
    at = index - 1
    while at >= 0 and texts[at] in ("scoped", "local"):
        at -= 1
    return at >= 0 and texts[at] in ("[", "@[", ",")


def _command_level(texts: list[str], index: int) -> bool:
    """Whether the `syntax`, `macro` or `macro_rules` at `index` extends the `command`
    category (or one leancli cannot tell)."""
    end = next((i for i in range(index + 1, len(texts)) if texts[i] in _COMMANDS), len(texts))
    span = texts[index + 1 : end]
    if texts[index] == "macro_rules":
        # Its category is that of its quotations: `(tactic| ...) is a tactic; a bare `(...)
        # may be a command.
        kinds = [
            span[i + 2] if i + 3 < len(span) and span[i + 3] == "|" else None
            for i in range(len(span) - 1)
            if span[i] == "`" and span[i + 1] == "("
        ]
        return not kinds or any(kind in (None, "command") for kind in kinds)
    if texts[index] == "macro" and "=>" in span:
        span = span[: span.index("=>")]
    colons = [i for i, text in enumerate(span) if text == ":"]
    category = span[colons[-1] + 1] if colons and colons[-1] + 1 < len(span) else "command"
    return category == "command"


def _is_native(texts: list[str], index: int, last: str) -> bool:
    text = texts[index]
    if text == "native_decide" or last in _NATIVE_AXIOMS:
        return True
    if text == "decide" and texts[index + 1 : index + 3] == ["+", "native"]:
        return True
    # `decide (native := true)`, `decide (config := { native := true })`
    return text == "native" and texts[index + 1 : index + 4] == [":", "=", "true"]


def _native_name(text: str) -> str:
    return {"decide": "decide +native", "native": "native := true"}.get(text, text)


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


_OPEN_PROOF = re.compile(r"\s*:=\s*(?:by\s*)?$")


def closed_statement(statement: str) -> str:
    """`statement` (`theorem t : P := by`, with or without its `:=`) proved by `sorry`."""
    text = strip_comments(statement).rstrip()
    return _OPEN_PROOF.sub("", text) + " := sorry"


def statement_name(statement: str) -> str | None:
    """The name of the theorem `statement` declares (the last one it declares)."""
    names = declared_names(statement)
    return names[-1] if names else None


def statement_precheck(body: str, name: str) -> str | None:
    """Why `body` cannot keep the statement whose theorem is `name`, by its text alone, or
    None. Only a fail: that the text matches says nothing of what it means (notation or
    an `open` before it change that), so a pass is for Lean's elaborated type to decide."""
    if plain_name(name) in (plain_name(declared) for declared in declared_names(body)):
        return None
    return f"statement changed: the snippet declares no `{name}`"


def refusal(body: str, audit: AuditOptions, offset: int = 0) -> str | None:
    """The error of a snippet refused whatever Lean says, or None."""
    cheats = find_cheats(body, audit, offset)
    return "refused: " + "; ".join(cheats) if cheats else None
