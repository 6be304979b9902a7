"""What a token means in its place, for the refusals: attribute names, a `decide` that
computes natively, the syntax category a `syntax`, `macro` or `macro_rules` extends.

Pure functions over the token texts of `lexer.located_tokens`. Names are compared as Lean
compares them, guillemets removed (`«command»` is `command`), and read from Lean's
grammar: `Lean/Parser/Attr.lean` and `Lean/Parser/Term.lean` (`attrInstance`,
`Term.attributes`, `Command.attribute`), `Init/Tactics.lean` (`optConfig`: `+opt`,
`-opt`, `(opt := term)`, `(config := term)`), `Lean/Parser/Syntax.lean` and
`Init/Prelude`'s quotations (`` `(cat| ...) ``; a bare `` `(...) `` is a term or commands,
whichever parses).
"""

from __future__ import annotations

from leancli.verdict.lexer import IDENT, plain_name

# A command's first word, `leanprover/lean4` `Lean/Parser/Command.lean` (and Mathlib's
# `lemma`): a bare quotation starting with one of these holds commands.
COMMAND_WORDS = frozenset(
    {"theorem", "lemma", "def", "abbrev", "instance", "example", "opaque", "axiom"}
    | {"structure", "class", "inductive", "syntax", "macro", "macro_rules", "elab"}
    | {"elab_rules", "notation", "infix", "infixl", "infixr", "prefix", "postfix", "open"}
    | {"end", "namespace", "section", "set_option", "attribute", "variable", "universe"}
    | {"private", "protected", "noncomputable", "partial", "unsafe", "local", "scoped"}
    | {"mutual", "deriving", "initialize", "run_cmd", "import", "export", "@["}
)
_OPENERS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "@[": "]"}
_CLOSERS = frozenset(_OPENERS.values())


def plain(text: str) -> str:
    """A token compared as Lean compares names: guillemets removed."""
    return plain_name(text) if IDENT.fullmatch(text) else text


def attribute_names(texts: list[str]) -> dict[int, str]:
    """Index -> name of each attribute named in `@[...]` or `attribute [...]`.

    Each entry of the list starts with an optional `scoped`/`local` (or `-` to erase) and
    the attribute's name, an identifier; its arguments follow up to the next `,` at the
    list's own level. A `[init]` list literal or a `(init := 0)` argument names none.
    """
    found: dict[int, str] = {}
    for index, text in enumerate(texts):
        after_keyword = index > 0 and plain(texts[index - 1]) == "attribute"
        if text == "@[" or (text == "[" and after_keyword):
            _read_attribute_list(texts, index + 1, found)
    return found


def _read_attribute_list(texts: list[str], at: int, found: dict[int, str]) -> None:
    depth, expect_name = 0, True
    for index in range(at, len(texts)):
        text = texts[index]
        if depth == 0 and text == "]":
            return
        if text == "@[" or plain(text) == "attribute":
            return  # an unclosed list: never read past the next one (linear time)
        if text in _OPENERS:
            depth += 1
        elif text in _CLOSERS:
            depth -= 1
        elif depth == 0 and text == ",":
            expect_name = True
        elif depth == 0 and expect_name:
            if plain(text) in ("scoped", "local") or text == "-":
                continue
            if IDENT.fullmatch(text):
                found[index] = plain(text)
            expect_name = False


def decide_config_is_native(texts: list[str], index: int) -> bool:
    """Whether the `decide` at `index` runs natively, by its configuration items: `+native`
    anywhere among them, `(native := V)` with V not `false`, or `(config := C)` where C
    is not a `{...}` without such a field (a named configuration cannot be read here).

    Lean (v4.14 to v4.30 `Lean/Elab/Tactic/Config.lean`; v4.31+ `ConfigEval`) evaluates
    the value as a term, so `Bool.true`, `!false` or `1 == 1` all switch it on.
    """
    at = index + 1
    while at < len(texts):
        text = texts[at]
        if text in ("+", "-") and at + 1 < len(texts) and IDENT.fullmatch(texts[at + 1]):
            if text == "+" and plain(texts[at + 1]) == "native":
                return True
            at += 2
        elif text == "(" and at + 1 < len(texts) and IDENT.fullmatch(texts[at + 1]):
            end = _group_end(texts, at)
            if _item_is_native(texts[at + 1 : end - 1]):
                return True
            at = end
        else:
            return False
    return False


def _item_is_native(item: list[str]) -> bool:
    """`native := V` or `config := C`, without its parentheses."""
    if item[1:3] != [":", "="]:
        return False
    field, value = plain(item[0]), [plain(text) for text in item[3:]]
    if field == "native":
        return value not in (["false"], ["Bool.false"])
    if field != "config":
        return False
    if value[:1] != ["{"]:
        return True  # a named or computed configuration: cannot be read from the text
    fields = [i for i, text in enumerate(value) if text == "native"]
    return any(value[i + 1 : i + 3] != [":", "="] or _value_at(value, i + 3) for i in fields)


def _value_at(value: list[str], at: int) -> bool:
    """Whether the structure field value starting at `at` is anything but `false`."""
    word = value[at] if at < len(value) else ""
    following = value[at + 1] if at + 1 < len(value) else "}"
    return not (word in ("false", "Bool.false") and following in (",", "}"))


def _group_end(texts: list[str], at: int) -> int:
    """Index past the bracket group opening at `at`."""
    depth = 0
    for index in range(at, len(texts)):
        if texts[index] in _OPENERS:
            depth += 1
        elif texts[index] in _CLOSERS:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(texts)


# `Lean/Parser/Syntax.lean` `precedence`: what may follow `stx:` (`term:max`, `syntax:65`).
_PRECEDENCES = frozenset({"max", "arg", "lead", "min", "min1", "("})
# Antiquotation kinds that are terms (or tokens of one), never a command.
_TERM_KINDS = frozenset({"term", "ident", "num", "str", "char", "name", "scientific", "hole"})
# Words that start a term and never a command (`Lean/Parser/Term.lean`).
_TERM_WORDS = frozenset(
    {"fun", "λ", "let", "have", "show", "suffices", "if", "match", "do", "by", "Type"}
    | {"Sort", "Prop", "calc", "nomatch", "nofun", "haveI", "letI", "return", "true", "false"}
)
# Commands that declare tokens (atoms): `Lean/Parser/Syntax.lean`, Mathlib's `notation3`.
ATOM_COMMANDS = frozenset(
    {"notation", "notation3", "infix", "infixl", "infixr", "prefix", "postfix", "syntax"}
    | {"macro", "elab", "binder_predicate"}
)


def syntax_category(span: list[str], keyword: str) -> str:
    """The category a `syntax` or `macro` command extends, given the tokens after its
    keyword ("command" when it cannot be told). `macro`: the word after its last `:`
    before `=>`. `syntax` (`Lean/Parser/Command.lean` `syntax ... many1 syntaxParser
    " : " ident`): the word after its first `:` that starts no precedence (`term:max`,
    `syntax:65`), wherever the command ends."""
    return _category_at(span, category_colon(span, keyword))


def category_colon(span: list[str], keyword: str) -> int | None:
    """The index of the `:` before the category in `syntax_category`'s span, if any."""
    arrow = next((i for i in range(len(span) - 1) if span[i : i + 2] == ["=", ">"]), None)
    colons = [
        index
        for index, text in enumerate(span[:arrow] if keyword == "macro" else span)
        if text == ":" and span[index + 1 : index + 2] != ["="]
    ]
    if keyword == "macro":
        return colons[-1] if arrow is not None and colons else None
    for index in colons:
        after = span[index + 1] if index + 1 < len(span) else ""
        if not (after[:1].isdigit() or after in _PRECEDENCES):
            return index
    return None


def _category_at(span: list[str], colon: int | None) -> str:
    if colon is None or colon + 1 >= len(span) or not IDENT.fullmatch(span[colon + 1]):
        return "command"
    return plain(span[colon + 1])


def rule_categories(span: list[str], atoms: frozenset[str] = frozenset()) -> list[str]:
    """The category of each pattern of a `macro_rules` or `elab_rules`, given the tokens
    after its keyword: `cat` for `` `(cat| ...) ``; for a bare `` `(...) ``, which Lean
    parses as a term or as commands, keeping the longer (`Term.quot`, `Command.quot`),
    `term` only where no command can start: see `_bare_category` (`atoms`: the tokens
    the snippet declares, which start no command). With `(kind := ...)` a bare pattern
    is read as a command. A pattern is a quotation right after a `|` at the top level."""
    categories: list[str] = []
    depth = 0
    for index, text in enumerate(span):
        if text in _OPENERS:
            depth += 1
        elif text in _CLOSERS:
            depth -= 1
        elif depth == 0 and text == "|" and span[index + 1 : index + 3] == ["`", "("]:
            categories.append(_quotation_category(span[index + 3 :], atoms))
    if span[:2] == ["(", "kind"] and "term" in categories:
        categories.append("command")
    return categories


def _quotation_category(inner: list[str], atoms: frozenset[str]) -> str:
    first = inner[0] if inner else ")"
    if len(inner) > 1 and IDENT.fullmatch(first) and inner[1] == "|":
        return plain(first)
    return _bare_category(inner, atoms)


def _bare_category(inner: list[str], atoms: frozenset[str]) -> str:
    """`term` when the bare quotation `inner` cannot parse as commands, else `command`.

    A command starts with a keyword (core's, a library's: any identifier-like word but
    the term words and the snippet's own atoms), `#...`, `@[`, or an antiquotation:
    `$m:declModifiers theorem ...` is a declaration, `$a in $b` the command `in`.
    An antiquotation followed by a symbol (`$x ⊕⊕ $y`) starts no command there."""
    first = inner[0] if inner else ")"
    if first == "$":
        kind, after = _antiquotation(inner)
        following = inner[after] if after < len(inner) else ")"
        if kind is not None and kind not in _TERM_KINDS:
            return "command"
        if following == ")":
            return "term" if kind is not None else "command"  # a lone `$x` matches anything
        starts = IDENT.fullmatch(following) or following in ("$", "*", "@[")
        return "command" if starts or following.startswith("#") else "term"
    if plain(first) in COMMAND_WORDS or first.startswith("#"):
        return "command"
    if IDENT.fullmatch(first):
        return "term" if plain(first) in _TERM_WORDS or first in atoms else "command"
    return "term"


def _antiquotation(inner: list[str]) -> tuple[str | None, int]:
    """The kind of the antiquotation opening `inner` (`$x:kind`; None for `$x`, `$(e)`;
    `$[...]` reads as a command splice) and the index past it."""
    if inner[1:2] == ["("]:
        return None, _group_end(inner, 1)
    if not (len(inner) > 1 and IDENT.fullmatch(inner[1])):
        return "splice", 1
    if inner[2:3] == [":"] and len(inner) > 3 and IDENT.fullmatch(inner[3]):
        return plain(inner[3]), 4
    return None, 2


def declared_atoms(texts: list[str], sources: list[str]) -> list[tuple[str, int, int]]:
    """Each token the snippet declares, as a string literal's source, with its index and
    the index of the command's keyword:
    the strings of a `notation`, `infix`, `syntax`, `macro` ... before its `=>` (before
    its category for `syntax`), up to the next command."""
    found: list[tuple[str, int, int]] = []
    for index, text in enumerate(texts):
        if plain(text) not in ATOM_COMMANDS:
            continue
        span = texts[index + 1 : _span_end(texts, index + 1)]
        colon = category_colon(span, "syntax") if plain(text) == "syntax" else None
        arrow = next((i for i in range(len(span) - 1) if span[i : i + 2] == ["=", ">"]), None)
        end = colon if colon is not None else arrow if arrow is not None else len(span)
        for at in range(index + 1, index + 1 + end):
            if sources[at].startswith('"'):
                found.append((sources[at], at, index))
    return found


def _span_end(texts: list[str], at: int) -> int:
    """Where the command whose tokens go on at `at` ends: the next command word outside
    brackets."""
    depth = 0
    for index in range(at, len(texts)):
        text = texts[index]
        if depth <= 0 and (plain(text) in COMMAND_WORDS or text.startswith("#")):
            return index
        depth += (text in _OPENERS) - (text in _CLOSERS)
    return len(texts)
