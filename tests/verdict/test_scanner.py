"""Tests for `leancli.verdict.scanner`: Lean 4's lexical rules, case by case from its
sources and, with Hypothesis, for any spelling they allow.

The oracles below are Lean's predicates transcribed as written in leanprover/lean4
`src/Init/Meta.lean` (`Init/Meta/Defs.lean` from the module system on; v4.22+ ranges):
`isLetterLike`, `isNumericSubscript`, `isSubScriptAlnum`, `isIdFirst`, `isIdRest`.
The string, char, comment and interpolation cases follow `src/Lean/Parser/Basic.lean`
(`tokenFnAux`, `strLitFnAux`, `charLitFnAux`, `quotedCharCoreFn`, `rawStrLitFnAux`,
`whitespace`, `finishCommentBlock`) and `src/Lean/Parser/StrInterpolation.lean`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leancli.verdict.lexer import lean_readings, strip_comments, tokens


def is_letter_like(c: str) -> bool:
    v = ord(c)
    return (
        (0x3B1 <= v <= 0x3C9 and v != 0x3BB)
        or (0x391 <= v <= 0x3A9 and v != 0x3A0 and v != 0x3A3)
        or (0x3CA <= v <= 0x3FB)
        or (0x1F00 <= v <= 0x1FFE)
        or (0x2100 <= v <= 0x214F)
        or (0x1D49C <= v <= 0x1D59F)
        or (0x00C0 <= v <= 0x00FF and v != 0x00D7 and v != 0x00F7)
        or (0x0100 <= v <= 0x017F)
    )


def is_numeric_subscript(c: str) -> bool:
    return 0x2080 <= ord(c) <= 0x2089


def is_subscript_alnum(c: str) -> bool:
    v = ord(c)
    return is_numeric_subscript(c) or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A or v == 0x2C7C


def is_id_first(c: str) -> bool:
    return (c.isascii() and c.isalpha()) or c == "_" or is_letter_like(c)


def is_id_rest(c: str) -> bool:
    return (
        (c.isascii() and c.isalnum()) or c in "_'!?" or is_letter_like(c) or is_subscript_alnum(c)
    )


_CANDIDATES = st.characters(min_codepoint=0x21, max_codepoint=0x1D5FF)
ID_FIRST = _CANDIDATES.filter(is_id_first)
ID_REST = _CANDIDATES.filter(is_id_rest)
NOT_ID_REST = _CANDIDATES.filter(
    lambda c: not is_id_rest(c) and c not in "\"'`«».#@-/r{}" and not c.isspace()
)
ATOMS = st.builds(
    lambda first, rest: first + "".join(rest), ID_FIRST, st.lists(ID_REST, max_size=6)
)


@given(st.lists(ATOMS, min_size=1, max_size=3))
def test_any_identifier_lean_accepts_is_one_token(parts: list[str]) -> None:
    name = ".".join(parts)
    assert tokens(f"{name} x") == [name, "x"]


@given(ATOMS, NOT_ID_REST)
def test_a_character_outside_is_id_rest_ends_the_identifier(name: str, stop: str) -> None:
    # `hide₊elab`: Lean's subscripts end at U+2089 (`isNumericSubscript`), so `₊` ends
    # `hide` and `elab` is a keyword again.
    assert tokens(f"{name}{stop}elab")[0] == name
    assert tokens(f"{name}{stop}elab")[-1] == "elab"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hide₊elab", ["hide", "₊", "elab"]),
        ("hide₋elab", ["hide", "₋", "elab"]),
        ("x₉ xᵢ xₐ xⱼ", ["x₉", "xᵢ", "xₐ", "xⱼ"]),
        # λ Π Σ are not letters (`isLetterLike`): `κύκλος` is `κύκ` `λος`.
        ("κύκλος", ["κύκ", "λ", "ος"]),
        ("café ×y", ["café", "×", "y"]),
        ("«a b».c.«d»", ["«a b».c.«d»"]),
        ("a.«b\nc»", ["a.«b\nc»"]),
        ("x.1", ["x", ".", "1"]),
        ("`elab ``foo `(x)", ["`elab", "`", "`foo", "`", "(", "x", ")"]),
        ("#eval! 1 #guard_msgs", ["#eval", "!", "1", "#guard_msgs"]),
        ("@[simp] 0x1F 1_000 2.5e3", ["@[", "simp", "]", "0x1F", "1_000", "2.5e3"]),
    ],
)
def test_identifiers_and_symbols(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # `'"'` is a Char; the string after it is a string.
        ("f '\"' elab", ["f", '""', "elab"]),
        ("f '\\'' elab '\\\\' '\\x41' '\\u03B1'", ["f", '""', "elab", '""', '""', '""']),
        # An identifier eats its primes (`isIdRest`); a `'` after `'` is no char literal.
        ("h' f'a' x", ["h'", "f'a'", "x"]),
        # A char literal holds any one character, a line break too.
        ("f '\n' elab", ["f", '""', "elab"]),
        # No `\u{...}` escape: `'\u{1F600}'` is no char literal to Lean.
        ("'\\u{1F600}'", ["'", "\\", "u", "{", "1", "F600", "}", "'"]),
        ('"a\\"b" elab', ['""', "elab"]),
        ('"gap \\\n   more" elab', ['""', "elab"]),
        # Raw strings have no escapes; they start only where a token starts.
        ('r"\\" elab', ['""', "elab"]),
        ('r##"a"#b"## elab', ['""', "elab"]),
        ('xr"a" elab', ["xr", '""', "elab"]),
    ],
)
def test_strings_and_chars(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


ESCAPES = st.sampled_from(["\\\\", '\\"', "\\'", "\\n", "\\t", "\\r", "\\x4a", "\\u03b1", "\\\n  "])
STRING_CHARS = st.characters(exclude_characters='"\\{', exclude_categories=["Cs"])
CONTENTS = st.lists(st.one_of(STRING_CHARS, ESCAPES), max_size=12).map("".join)


@given(CONTENTS)
def test_any_string_lean_accepts_is_one_literal(contents: str) -> None:
    assert tokens(f'f "{contents}" elab') == ["f", '""', "elab"]
    assert tokens(f'f s!"{contents}" elab') == ["f", "s!", '""', "elab"]


@given(st.one_of(st.characters(exclude_characters="\\'", exclude_categories=["Cs"]), ESCAPES))
def test_any_char_literal_lean_accepts_is_one_literal(char: str) -> None:
    if char.startswith("\\\n"):
        return  # a string gap is for strings only
    assert tokens(f"f '{char}' elab") == ["f", '""', "elab"]


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        # `{...}` in `s!"..."` is a term: its `'"'` is a Char, its strings are strings.
        ('s!"{\'"\'}" run_cmd', ["s!", '""', '""', '""', "run_cmd"]),
        ('s!"{"}"} {x}" run_cmd', ["s!", '""', '""', '""', "x", '""', "run_cmd"]),
        (
            'm!"{ {a with b := 1} }" run_cmd',
            ["m!", '""', "{", "a", "with", "b", ":", "=", "1", "}", '""', "run_cmd"],
        ),
        ('s!"a{s!"b{1}"}c" run_cmd', ["s!", '""', "s!", '""', "1", '""', '""', "run_cmd"]),
        ('s!"\\{x}" run_cmd', ["s!", '""', "run_cmd"]),
        ('throwError "{x}"', ["throwError", '""', "x", '""']),
        ('throwErrorAt ref "{x}"', ["throwErrorAt", "ref", '""', "x", '""']),
        ('trace[cls] "{x}"', ["trace", "[", "cls", "]", '""', "x", '""']),
        ('f "{x}"', ["f", '""']),
    ],
)
def test_interpolated_strings(text: str, inner: list[str]) -> None:
    assert tokens(text) == inner


TERMS = st.recursive(
    st.sampled_from(["x", "'\"'", "'}'", '"}"', '"{"', "(1)", 'r#"}"#']),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} {b}", inner, inner),
        st.builds(lambda a: "{ " + a + " }", inner),
        st.builds(lambda a: 's!"{' + a + '}"', inner),
    ),
    max_leaves=8,
)


@given(TERMS)
def test_any_interpolant_ends_where_its_term_does(term: str) -> None:
    found = tokens('s!"a{' + term + '}b" run_cmd')
    assert found[-1] == "run_cmd"
    assert found[:2] == ["s!", '""']


def test_code_hidden_in_a_string_some_syntax_may_interpolate_is_read_both_ways() -> None:
    # A library can declare `syntax "fmt!" interpolatedStr(term)`: then `{...}` is code.
    text = 'def x := fmt! "{(run_cmd)}"'
    readings = [[t.text for t in reading] for reading in lean_readings(text)]
    assert "run_cmd" not in readings[0] and any("run_cmd" in r for r in readings[1:])


COMMENT_TEXT = st.text(st.sampled_from("ab -/*\n"), max_size=6).filter(
    lambda t: "/-" not in t and "-/" not in t and not t.endswith(("-", "/"))
)
COMMENTS = st.recursive(
    COMMENT_TEXT.map(lambda t: f"/- {t} -/"),
    lambda inner: st.builds(
        lambda a, b, c: f"/- {a} {b} {c} -/", COMMENT_TEXT, inner, COMMENT_TEXT
    ),
    max_leaves=5,
)


@given(COMMENTS)
@settings(max_examples=50)
def test_any_nesting_of_block_comments_is_one_comment(comment: str) -> None:
    assert tokens(f"a {comment} elab") == ["a", "elab"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a /-/- -/ elab", ["a", "elab"]),  # the scan starts after the opener's third char
        ("a /- /- -/ elab -/ b", ["a", "b"]),
        ("a /-- doc /- x -/ -/ b", ["a", "b"]),
        ("a -- elab\nb", ["a", "b"]),
        ('a "--" elab', ["a", '""', "elab"]),
        ("a '-' - elab", ["a", '""', "-", "elab"]),
    ],
)
def test_comments(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_strip_comments_keeps_strings_lean_reads() -> None:
    assert strip_comments("f '\"' -- c\nelab") == "f '\"'  \nelab"
