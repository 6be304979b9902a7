"""Snippets refused whatever Lean says, and the statement's text pre-check (pure functions).

A snippet that elaborates without errors may still cheat: declare an axiom, switch off
the kernel check, trust compiled code, or run code at elaboration that gives the audit's
commands another meaning. Constructs are found on Lean's identifiers (guillemets removed,
dotted names as a whole), never on characters, and each refusal names its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from leancli.options import AuditOptions
from leancli.verdict.constructs import (
    attribute_names,
    decide_config_is_native,
    declared_atoms,
    plain,
    rule_categories,
    syntax_category,
)
from leancli.verdict.lexer import (
    ID_CHAR,
    IDENT,
    Token,
    TooManyReadings,
    declarations,
    declared_names,
    lean_readings,
    name_parts,
    plain_name,
    strip_comments,
)
from leancli.verdict.scanner import atom_changes_lexing, string_value

# --- cheats -----------------------------------------------------------------------------

# Every construct refused below contains one of these: text without any is not lexed.
# (A name spelt with guillemets still contains its letters: «elab» has `elab`.)
_CHEAT_WORDS = re.compile(
    r"axiom|skipKernelTC|addDeclWithoutChecking|implemented_by|extern|#exit|macro|elab"
    r"|syntax|init|run_|#eval|unsafe|native|ofReduce|trustCompiler|tactic|parser|simproc"
    r"|delab|unexpander|bv_|decide|notation|infix|prefix|postfix|binder_predicate"
)
# Attributes that swap in compiled code, or register code run at elaboration or while
# printing (a delaborator can print `4` as `5`). `csimp` and `export` are not here: they
# need a theorem or a definition the kernel checked, and an `axiom` with them is refused.
_CODE_ATTRIBUTES = frozenset(
    {"implemented_by", "extern", "init", "command_elab", "term_elab", "tactic", "macro"}
    | {"command_parser", "term_parser", "builtin_init", "builtin_command_elab"}
    | {"builtin_term_elab", "builtin_tactic", "builtin_macro", "simproc", "sevalproc"}
    | {"builtin_simproc", "builtin_sevalproc", "delab", "app_delab", "app_unexpander"}
    | {"builtin_delab", "builtin_app_delab"}
)
# Commands that run code as they are elaborated.
_SIMPROC = "declares a simplification procedure, code run inside every later `simp`"
_SIMPROC_COMMANDS = frozenset(
    {"simproc", "dsimproc", "simproc_decl", "dsimproc_decl", "sevalproc", "builtin_simproc"}
    | {"builtin_dsimproc", "builtin_simproc_decl", "builtin_dsimproc_decl"}
)
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
    **dict.fromkeys(_SIMPROC_COMMANDS, _SIMPROC),
}
# What trusts the compiler: the axioms by their last component, and the tactics whose
# proofs go through them (`bv_decide` and `bv_check` prove via `Lean.ofReduceBool`).
_NATIVE_AXIOMS = frozenset({"ofReduceBool", "ofReduceNat", "trustCompiler"})
_NATIVE_TACTICS = frozenset({"native_decide", "bv_decide", "bv_decide?", "bv_check"})
# Commands that start a declaration or a top-level query: what a `native_decide` is in.
_STARTS = frozenset(
    {"theorem", "lemma", "def", "abbrev", "instance", "example", "opaque", "axiom"}
    | {"structure", "class", "inductive", "#eval", "#reduce", "#check", "#guard", "#print"}
)
# Syntax categories whose macros expand only to what they are written in (terms, tactics
# ...), which the refusals read: `command` reaches any command and `attr` any attribute
# (`Lean/Elab/Attributes.lean` `elabAttr` expands macros before reading the name:
# `macro "ib" : attr => `(attr| implemented_by f)` makes `@[ib]` one). Categories the
# snippet declares (`declare_syntax_cat`) are its own.
_HONEST_CATEGORIES = frozenset(
    {"term", "tactic", "conv", "doElem", "binderPred", "level", "prio", "prec"}
)
# Commands that end a `syntax` or `macro_rules` command.
_COMMANDS = _STARTS | frozenset(
    {"syntax", "macro", "macro_rules", "elab", "elab_rules", "notation", "open", "end"}
    | {"namespace", "section", "set_option", "attribute", "variable", "universe", "@["}
)


def find_cheats(body: str, audit: AuditOptions | None = None, offset: int = 0) -> list[str]:
    """Reasons to refuse `body` whatever Lean says, each naming its construct and line
    (`offset` added: the body's first line is the input's line `offset + 1`); empty if
    none. Comments and strings are ignored, as Lean's lexer delimits them; where Lean
    may read the text two ways (`lexer.lean_readings`), each reading is checked.

    Refused, each because it lets an unsound proof pass or the audit be forged: `axiom`
    declarations; `debug.skipKernelTC` (set to anything but false); `addDeclWithoutChecking`;
    attributes that swap in compiled code (`implemented_by`, `extern`, which
    `native_decide` trusts) or register elaboration or printing code (`command_elab`,
    `macro`, `simproc`, `delab`, `app_unexpander`, ...); `#exit`; code run at
    elaboration (`run_cmd`, `run_tac`, `initialize`, `elab`, `simproc`, `unsafe`, `#eval`
    unless `allow_eval`); `syntax`, `macro` and `macro_rules` of the `command` category,
    which could give `#print axioms` another meaning, of `attr` (an attribute macro can
    spell `implemented_by`), or of a category leancli does not read (tactic- and
    term-level macros and `notation` stay allowed); a declared token that changes where
    Lean's comments, strings or names start (`notation "x--"`); and, unless
    `allow_native_decide`, native computation (`native_decide`, `decide +native`,
    `bv_decide`, the compiler's axioms) in a declaration the audit cannot name, such as
    an `example`. Names are compared without guillemets.
    """
    audit = audit or AuditOptions()
    if not _CHEAT_WORDS.search(body):
        return []  # the common case, without lexing the whole text
    try:
        readings = lean_readings(body)
    except TooManyReadings as many:
        why = f"strings holding `{{` Lean may read as interpolated or not: {many}"
        return [f"{why} (line {many.line + offset})"]
    reasons: dict[str, None] = {}
    for reading in readings:
        for why, line in _cheats(reading, audit):
            reasons[f"{why} (line {line + offset})"] = None
    return list(reasons)


class _Declared(NamedTuple):
    """What the snippet itself declares that changes how its syntax reads."""

    atoms: list[tuple[str, int, int]]  # `constructs.declared_atoms`
    tokens: frozenset[str]  # the atoms' values, trimmed as Lean trims them
    categories: frozenset[str]  # `declare_syntax_cat`


def _declared(texts: list[str], tokens: list[Token]) -> _Declared:
    atoms = declared_atoms(texts, [token.source for token in tokens])
    categories = (
        plain(texts[i + 1])
        for i in range(len(texts) - 1)
        if texts[i] == "declare_syntax_cat" and IDENT.fullmatch(texts[i + 1])
    )
    values = (string_value(atom).strip(" \t\r\n") for atom, _, _ in atoms)
    return _Declared(atoms, frozenset(values), frozenset(categories))


def _cheats(tokens: list[Token], audit: AuditOptions) -> Iterator[tuple[str, int]]:
    texts = [token.text for token in tokens]
    declared = _declared(texts, tokens)
    attributes = attribute_names(texts)
    named_starts = {}
    for decl in declarations(texts):
        if decl.keyword == "axiom":
            yield (
                f"declares axiom `{decl.name or '?'}`, which can state anything",
                tokens[decl.at].line,
            )
        named_starts[decl.at] = decl.name is not None and decl.keyword != "axiom"
    named = False
    refused: set[int] = set()
    for index, token in enumerate(tokens):
        # Any command ends the declaration before it: a `macro` or `notation` after a
        # theorem is not part of what `#print axioms` of that theorem shows.
        if plain(token.text) in _COMMANDS and index not in attributes:
            named = named_starts.get(index, False)
        if index in attributes:
            why = _attribute_refusal(attributes[index])
        else:
            why = _refusal_at(texts, index, audit, named, declared)
        if why is not None:
            refused.add(index)
            yield why, token.line
    for atom, at, command in declared.atoms:
        # A refused command's tokens are moot: its own reason says enough.
        if command not in refused and atom_changes_lexing(string_value(atom)):
            why = "which changes where Lean's comments, strings or names start"
            yield f"declares the token {atom}, {why}", tokens[at].line


def _attribute_refusal(name: str) -> str | None:
    if name in _CODE_ATTRIBUTES:
        return f"`@[{name}]` swaps in compiled, elaboration or printing code"
    return None


def _refusal_at(
    texts: list[str], index: int, audit: AuditOptions, named: bool, declared: _Declared
) -> str | None:
    text = plain(texts[index])
    before = plain(texts[index - 1]) if index else ""
    after = plain(texts[index + 1]) if index + 1 < len(texts) else ""
    parts = name_parts(texts[index]) if IDENT.fullmatch(texts[index]) else ()
    last = parts[-1] if parts else text
    if last == "skipKernelTC" and not (before == "set_option" and after == "false"):
        return "`debug.skipKernelTC` turns off the kernel's type check"
    if last == "addDeclWithoutChecking":
        return "`addDeclWithoutChecking` adds a declaration without a kernel check"
    if text == "#eval" and not audit.allow_eval:
        return "`#eval` runs code at elaboration (--allow-eval admits it)"
    if text in _RUNS_CODE:
        return f"`{text}` {_RUNS_CODE[text]}"
    if text in ("syntax", "macro", "macro_rules"):
        return _syntax_refusal(texts, index, declared)
    if not named and not audit.allow_native_decide and _is_native(texts, index, last):
        return (
            f"`{_native_name(text)}` in a declaration the audit cannot name, such as an `example`"
        )
    return None


def _syntax_refusal(texts: list[str], index: int, declared: _Declared) -> str | None:
    """Why the `syntax`, `macro` or `macro_rules` at `index` is refused: it extends the
    `command` or `attr` category, or one leancli does not read (or cannot tell which)."""
    keyword = plain(texts[index])
    span = texts[index + 1 : _command_end(texts, index + 1)]
    if keyword == "macro_rules":
        categories = rule_categories(span, declared.tokens) or ["command"]
    else:
        categories = [syntax_category(span, keyword)]
    for category in categories:
        if category == "command":
            return f"command-level `{keyword}` could give `#print axioms` another meaning"
        if category == "attr":
            return f"`{keyword}` of category `attr` can spell a refused attribute"
        if category not in _HONEST_CATEGORIES | declared.categories:
            return f"`{keyword}` of category `{category}` could expand to a refused construct"
    return None


def _command_end(texts: list[str], at: int) -> int:
    """Where the command whose tokens go on at `at` ends: at the next command keyword
    outside brackets (a quotation holds commands of its own)."""
    depth = 0
    for index in range(at, len(texts)):
        text = texts[index]
        if depth <= 0 and plain(text) in _COMMANDS:
            return index
        depth += (text in "([{⟨") - (text in ")]}⟩") if len(text) == 1 else 0
    return len(texts)


def _is_native(texts: list[str], index: int, last: str) -> bool:
    text = plain(texts[index])
    if text in _NATIVE_TACTICS or last in _NATIVE_AXIOMS:
        return True
    return text == "decide" and decide_config_is_native(texts, index)


def _native_name(text: str) -> str:
    return {"decide": "decide +native"}.get(plain(text), plain(text))


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
