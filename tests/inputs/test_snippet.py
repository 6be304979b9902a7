from __future__ import annotations

import random
import re
from pathlib import Path

from leancli import CheckOptions, Item, ReplSpec, Status, check
from leancli.inputs.snippet import Snippet, split_snippet
from leancli.options import WorkerConfig


def test_leading_imports_are_the_header_and_the_body_keeps_user_lines() -> None:
    code = (
        "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\ntheorem t : True := trivial"
    )
    snippet = split_snippet(code)
    assert snippet.header == "import Mathlib\nimport Aesop"
    assert snippet.offset == 2
    body_lines = snippet.body.split("\n")
    # Body line n is user line n + offset.
    assert body_lines[4 - snippet.offset - 1] == "set_option maxHeartbeats 0"


def test_comments_and_blank_lines_between_imports_stay_in_the_header_span() -> None:
    snippet = split_snippet(
        "-- my file\nimport  Mathlib\n\n-- more\nimport Aesop\ntheorem t : True := trivial"
    )
    assert snippet.header == "import Mathlib\nimport Aesop"
    assert snippet.offset == 5
    assert snippet.body == "theorem t : True := trivial"


def test_no_imports_means_an_empty_header() -> None:
    snippet = split_snippet("theorem t : True := trivial\nimport Foo")
    assert (snippet.header, snippet.offset) == ("", 0)
    assert snippet.body.endswith("import Foo")  # a late import is Lean's to reject


def test_windows_line_endings_do_not_change_the_header() -> None:
    assert split_snippet("import Mathlib\r\nexample : True := trivial").header == "import Mathlib"


def test_dedup_key_ignores_line_endings_and_trailing_spaces_only() -> None:
    a = split_snippet("import Mathlib\ntheorem t : True := by\n  trivial\n")
    b = split_snippet("import Mathlib\r\ntheorem t : True := by   \r\n  trivial")
    c = split_snippet("import Mathlib\ntheorem t : True := by\n    trivial\n")
    d = split_snippet("import Aesop\ntheorem t : True := by\n  trivial\n")
    assert a.dedup_key() == b.dedup_key()
    assert a.dedup_key() != c.dedup_key()  # indentation matters in Lean
    assert a.dedup_key() != d.dedup_key()


def test_a_snippet_of_imports_alone_has_an_empty_body() -> None:
    assert split_snippet("import Mathlib").body == ""
    assert split_snippet("import Mathlib\n").body == ""
    trailing = split_snippet("import Mathlib\n\n-- done\n")
    assert (trailing.header, trailing.offset, trailing.body) == ("import Mathlib", 1, "\n-- done\n")
    empty = split_snippet("")
    assert (empty.header, empty.offset, empty.body) == ("", 0, "")


# --- Lean's header: comments before and between imports --------------------------------
# Lean's `whitespace` parser (src/Lean/Parser/Basic.lean) skips blanks, `--` and nested
# `/- -/` comments before each header token; `/--` and `/-!` are tokens, so they end it.


def test_block_comments_before_and_between_imports_stay_out_of_the_body() -> None:
    code = (
        "/- Problem 12\n   from the test set -/\n"
        "import Mathlib\n"
        "/- /- nested -/ still a comment -/ import Aesop -- why\n"
        "  import Batteries\n"
        "theorem t : True := trivial"
    )
    snippet = split_snippet(code)
    assert snippet.header == "import Mathlib\nimport Aesop\nimport Batteries"
    assert (snippet.offset, snippet.body) == (5, "theorem t : True := trivial")


def test_a_doc_comment_ends_the_header() -> None:
    for doc in ("/-- A theorem. -/", "/-! # A module -/"):
        snippet = split_snippet(f"import Mathlib\n{doc}\nimport Aesop\ntheorem t : True := trivial")
        assert snippet.header == "import Mathlib"  # the late import is Lean's to reject
        assert snippet.body.startswith(doc) and snippet.offset == 1
        before = split_snippet(f"{doc}\nimport Mathlib\ntheorem t : True := trivial")
        assert (before.header, before.offset) == ("", 0)


def test_imports_inside_comments_or_strings_are_not_imports() -> None:
    assert split_snippet("/- import Mathlib -/\nexample : True := trivial").header == ""
    assert split_snippet('def s := "\nimport Mathlib"').header == ""
    assert split_snippet("imports\nexample : True := trivial").header == ""
    assert split_snippet("import\n").header == ""  # no module: Lean's error, in the body


def test_a_body_on_the_last_import_line_keeps_its_columns() -> None:
    code = "import Mathlib /- c -/ theorem t : True := trivial\nexample : True := trivial"
    snippet = split_snippet(code)
    assert (snippet.header, snippet.offset) == ("import Mathlib", 0)
    first = snippet.body.split("\n")[0]
    assert first.index("theorem") == code.index("theorem")
    assert first.strip() == "/- c -/ theorem t : True := trivial"


def test_an_unterminated_comment_hides_the_imports_after_it() -> None:
    code = "/- never closed\nimport Mathlib"
    assert split_snippet(code) == Snippet("", code, 0)


# Whole imports and comments often, so that most inputs have a header worth comparing.
_FRAGMENTS = [
    "import A", "import B.c ", "\nimport «x y»", "import", "import", " ", " ", "\n", "\n",
    "\t", "A", "B.c", "«x y»", "/-", "-/", "/- c -/", "-- c\n", "--", "/--", "/-!", "/-/",
    "theorem", "'", '"', "x", "-", "/",
    "module", "prelude", "public ", "meta ", "import all ", "all", "public import C",
]  # fmt: skip
_REFERENCE_IDENT = re.compile(
    r"(?:«[^»]*»|[A-Za-z_][A-Za-z0-9_'!?]*)(?:\.(?:«[^»]*»|[A-Za-z_][A-Za-z0-9_'!?]*))*"
)


def _reference_whitespace(code: str, i: int) -> int:
    """Lean's `whitespace` and `finishCommentBlock`, character by character."""
    while i < len(code):
        if code[i] in " \t\r\n":
            i += 1
        elif code.startswith("--", i):
            while i < len(code) and code[i] != "\n":
                i += 1
        elif code.startswith("/-", i) and code[i + 2 : i + 3] not in ("-", "!"):
            depth, i = 1, i + 3
            while i < len(code) and depth:
                if code.startswith("-/", i):
                    depth, i = depth - 1, i + 2
                elif code.startswith("/-", i):
                    depth, i = depth + 1, i + 2
                else:
                    i += 1
            i = min(i, len(code))
        else:
            break
    return i


def _word(code: str, i: int, keyword: str) -> int | None:
    word = _REFERENCE_IDENT.match(code, i)
    return word.end() if word is not None and word.group() == keyword else None


def _reference_import(code: str, i: int) -> tuple[str, int] | None:
    """Lean's `«import»`: atomic(("public")? ("meta")? "import") ("all")? ident."""
    words = []
    for keyword in ("public", "meta", "import", "all"):
        end = _word(code, i, keyword)
        if end is None and keyword == "import":
            return None
        if end is not None:
            words.append(keyword)
            i = _reference_whitespace(code, end)
    module = _REFERENCE_IDENT.match(code, i)
    if module is None:
        return None
    return " ".join([*words, module.group()]), module.end()


def _reference_split(code: str) -> Snippet:
    """Lean's `Module.header`: ("module")? ("prelude")? import* (Lean/Parser/Module.lean)."""
    imports, end, i = [], 0, _reference_whitespace(code, 0)
    first = code.count("\n", 0, i)  # lines before the header's first token
    for keyword in ("module", "prelude"):
        if (after := _word(code, i, keyword)) is not None:
            imports.append(keyword)
            end, i = after, _reference_whitespace(code, after)
    while (command := _reference_import(code, i)) is not None:
        imports.append(command[0])
        end, i = command[1], _reference_whitespace(code, command[1])
    if not imports:
        return Snippet("", code, 0)
    lines = code.split("\n")
    row = code.count("\n", 0, end)
    column = end - (code.rfind("\n", 0, end) + 1)
    rest = lines[row][column:]
    if not rest.strip(" \t") or rest.strip(" \t").startswith("--"):
        return Snippet("\n".join(imports), "\n".join(lines[row + 1 :]), row + 1, first)
    body = "\n".join([" " * column + rest, *lines[row + 1 :]])
    return Snippet("\n".join(imports), body, row, first)


def test_the_split_agrees_with_a_character_by_character_reading_of_lean() -> None:
    generator = random.Random(13)
    for _ in range(20_000):
        code = "".join(generator.choices(_FRAGMENTS, k=generator.randint(0, 14)))
        assert split_snippet(code) == _reference_split(code), repr(code)


def test_identical_snippets_on_other_lines_share_a_key_and_differ_in_first_line() -> None:
    plain = split_snippet("import Mathlib\ntheorem t : True := sorry")
    commented = split_snippet("/- a\n b -/\nimport Mathlib\ntheorem t : True := sorry")
    lower = split_snippet("import Mathlib\n\ntheorem t : True := sorry")
    other_comment = split_snippet("-- c\n\nimport Mathlib\ntheorem t : True := sorry")
    identities = [s.dedup_identity() for s in (plain, commented, lower, other_comment)]
    assert len({key for key, _ in identities}) == 1
    assert [first_line for _, first_line in identities] == [1, 3, 2, 3]


def test_duplicates_on_other_lines_get_their_own_positions(fake_repl: str, tmp_path: Path) -> None:
    codes = [
        "import Mathlib\ntheorem t : 1 = 1 := sorry",
        "/- from the\n   test set -/\nimport Mathlib\ntheorem t : 1 = 1 := sorry",
        "-- a\n-- b\nimport Mathlib\ntheorem t : 1 = 1 := sorry",
        "import Mathlib\n\n\n\ntheorem t : 1 = 1 := sorry",
    ]
    commands = tmp_path / "commands"
    repl = ReplSpec.from_command(f"env FAKE_REPL_COMMANDS={commands} {fake_repl}")
    options = CheckOptions(WorkerConfig(repl=repl), workers=1)
    items = [Item(line, None, code) for line, code in enumerate(codes, 1)]
    results = {result.line: result for result in check(items, options)}
    assert [results[line].sorries[0]["pos"]["line"] for line in (1, 2, 3, 4)] == [2, 4, 4, 5]
    assert [results[line].messages[0]["pos"]["line"] for line in (1, 2, 3, 4)] == [2, 4, 4, 5]
    assert all(results[line].status is Status.SORRY for line in (1, 2, 3, 4))
    # One check answers all four: one body was sent to the REPL.
    bodies = [line for line in commands.read_text().splitlines() if "theorem" in line]
    assert len(bodies) == 1
    assert {results[line].duplicate_of for line in (2, 3, 4)} == {1}


MODULE_FILE = """\
module

prelude
public import Lean.Parser.Command
import Init.While
meta import all Lean.Parser.Extra -- tactics at compile time

public section

theorem t : True := trivial
"""


def test_a_module_system_header_is_the_header() -> None:
    """The header of src/Lean/Parser/Module.lean itself (leanprover/lean4)."""
    snippet = split_snippet(MODULE_FILE)
    assert snippet.header == (
        "module\nprelude\npublic import Lean.Parser.Command\nimport Init.While\n"
        "meta import all Lean.Parser.Extra"
    )
    # Body line n is file line n + offset: `public section` is file line 8.
    assert snippet.offset == 6
    assert snippet.body.split("\n")[8 - snippet.offset - 1] == "public section"


def test_public_and_meta_without_import_start_the_body() -> None:
    for body in ("public section\n", "meta def m := 1\n", "public meta def m := 1\n"):
        snippet = split_snippet(f"module\nimport A\n{body}")
        assert (snippet.header, snippet.body) == ("module\nimport A", body)


def test_the_whole_header_keys_reuse() -> None:
    plain = split_snippet("import Mathlib\ntheorem t : True := trivial")
    module = split_snippet("module\nimport Mathlib\ntheorem t : True := trivial")
    public = split_snippet("module\npublic import Mathlib\ntheorem t : True := trivial")
    assert len({plain.header, module.header, public.header}) == 3
    assert len({plain.dedup_key(), module.dedup_key(), public.dedup_key()}) == 3
