"""Tests for `leancli.verdict.lexer`: comments, strings and declaration names."""

from __future__ import annotations

from leancli.verdict.lexer import declared_names, strip_comments


def test_declared_names_kinds_and_modifiers() -> None:
    body = """
@[simp] theorem t1 : True := trivial
private lemma l1 : True := trivial
protected noncomputable def d1 : Nat := 1
nonrec abbrev a1 := 1
partial def p1 (n : Nat) : Nat := p1 n
unsafe def u1 : Nat := 1
@[simp, reducible] def Nat.myDouble (n : Nat) := 2 * n
instance instNamed : Inhabited Nat := ⟨0⟩
instance (priority := low) instPrio : Inhabited Bool := ⟨true⟩
instance : Inhabited Unit := ⟨()⟩
instance {α} [Inhabited α] : Inhabited (List α) := ⟨[]⟩
example : True := trivial
deriving instance Repr for Nat
attribute [instance] instNamed
theorem «with space» : True := trivial
"""
    assert declared_names(body) == [
        "t1",
        "l1",
        "d1",
        "a1",
        "p1",
        "u1",
        "Nat.myDouble",
        "instNamed",
        "instPrio",
        "«with space»",
    ]


def test_declared_names_namespaces() -> None:
    body = """
theorem top1 : True := trivial
namespace Foo
theorem a : True := trivial
namespace Bar.Baz
section S
theorem b : True := trivial
end S
end Bar.Baz
noncomputable section
def c : Nat := 1
end
mutual
def ev : Nat → Bool | 0 => true | n+1 => od n
def od : Nat → Bool | 0 => false | n+1 => ev n
end
theorem _root_.rootName : True := trivial
end Foo
theorem top2 : True := trivial
"""
    assert declared_names(body) == [
        "top1",
        "Foo.a",
        "Foo.Bar.Baz.b",
        "Foo.c",
        "Foo.ev",
        "Foo.od",
        "rootName",
        "top2",
    ]


def test_declared_names_ignores_comments_and_strings() -> None:
    body = """
-- theorem commented : True := trivial
/- theorem block : True := trivial
   /- nested -/ theorem still_comment : True := trivial -/
/-- A docstring mentioning theorem doc_thm. -/
theorem real (s : String := "theorem in_string") (c : Char := '"') : True := trivial
def after_char : String := "-- not a comment"
theorem h' : ∀ f : Nat → Nat, f '' s = s := sorry
theorem last : True := trivial
"""
    assert declared_names(body) == ["real", "after_char", "h'", "last"]


def test_strip_comments() -> None:
    code = 'a -- c\nb /- x /- y -/ z -/ c "-- s" «--n»'
    assert strip_comments(code) == 'a  \nb   c "-- s" «--n»'
    assert strip_comments(code, blank_strings=True) == 'a  \nb   c  ""  «--n»'
