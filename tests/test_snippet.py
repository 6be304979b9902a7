from __future__ import annotations

from leancli.snippet import split_snippet


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
