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


def syntax_category(span: list[str], keyword: str) -> str:
    """The category a `syntax` or `macro` command extends, given the tokens after its
    keyword: the word after its last `:` before `=>` (the one after its pattern)."""
    arrow = next((i for i in range(len(span) - 1) if span[i : i + 2] == ["=", ">"]), None)
    if keyword == "macro" and arrow is not None:
        span = span[:arrow]
    colons = [i for i, text in enumerate(span) if text == ":" and span[i + 1 : i + 2] != ["="]]
    if not colons or colons[-1] + 1 >= len(span):
        return "command"
    return plain(span[colons[-1] + 1])


def rule_categories(span: list[str]) -> list[str]:
    """The category of each pattern of a `macro_rules` or `elab_rules`, given the tokens
    after its keyword: `cat` for `` `(cat| ...) ``; for a bare `` `(...) ``, `command`
    when it starts as a command does (or is a lone `$x`, which matches anything), else
    `term`. A pattern is a quotation right after a `|` at the top level."""
    categories: list[str] = []
    depth = 0
    for index, text in enumerate(span):
        if text in _OPENERS:
            depth += 1
        elif text in _CLOSERS:
            depth -= 1
        elif depth == 0 and text == "|" and span[index + 1 : index + 3] == ["`", "("]:
            categories.append(_quotation_category(span[index + 3 :]))
    return categories


def _quotation_category(inner: list[str]) -> str:
    first = inner[0] if inner else ")"
    if len(inner) > 1 and IDENT.fullmatch(first) and inner[1] == "|":
        return plain(first)
    if first == "$":
        # `$x:cat` names its category; a lone `$x` matches whatever is quoted.
        if inner[2:3] == [":"] and len(inner) > 3:
            return plain(inner[3])
        return "command" if inner[2:3] == [")"] else "term"
    starts_command = plain(first) in COMMAND_WORDS or first.startswith("#")
    return "command" if starts_command else "term"
