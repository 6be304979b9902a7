"""Refusals hold for every spelling Lean accepts, and honest code Lean reads otherwise
passes (issue 25, items 2-5 and 8).

Each case says which of Lean's rules it follows: guillemets (`identFnAux`: `«x»` and `x`
are the same name; attribute names and categories are identifiers, `Lean/Parser/Attr.lean`,
`Lean/Parser/Syntax.lean`), tactic configuration (`Init/Tactics.lean` `optConfig`: `+opt`,
`(opt := term)`, `(config := term)`, the value a term Lean evaluates), native computation
(`Lean/Meta/Native.lean`, `Std/Tactic/BVDecide`: `bv_decide` proves via
`Lean.ofReduceBool`), code run while elaborating or printing (`Init/Simproc.lean`:
`simproc` is `simproc_decl` plus `attribute [simproc]`; `@[delab]`, `@[app_delab]`,
`@[app_unexpander]` run while messages are printed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leancli.options import AuditOptions
from leancli.verdict.lexer import declared_names, lemma_is_keyword
from leancli.verdict.refusals import find_cheats
from tests.helpers.common import check_rows

REFUSED = {
    # 2. Lean's lexing: `₊` (U+208A) is no subscript digit, so it ends `hide`.
    "subscript-plus": ('hide₊elab "#x" : command => pure ()', "`elab`"),
    "subscript-equals": ("hide₌run_cmd pure ()", "`run_cmd`"),
    # `'"'` in an interpolant is a Char: the string goes on to the second `"`.
    "char-in-interpolant": (
        'def s := s!"{\'"\'}"\nelab "#x" : command => pure ()',
        "`elab`",
    ),
    "string-in-interpolant": ('def s := s!"{"\\"" ++ "}"}"\nrun_cmd pure ()', "`run_cmd`"),
    # 3. Guillemets: the same name to Lean.
    "macro-guillemet-category": ('macro "#x" : «command» => `(#check 1)', "command-level `macro`"),
    "syntax-guillemet-category": ('syntax "#x" : «command»', "command-level `syntax`"),
    "macro-rules-guillemet": (
        "macro_rules | `(«command»| #print axioms $x) => `(#check 1)",
        "command-level `macro_rules`",
    ),
    "attribute-guillemets": (
        "@[«command_elab» Lean.Parser.Command.printAxioms] def f : Nat := 1",
        "command_elab",
    ),
    "implemented-by-guillemets": ("@[«implemented_by» g] def f : Bool := false", "implemented_by"),
    "attribute-command-guillemets": (
        "def f : Bool := false\nattribute [local «implemented_by» g] f",
        "implemented_by",
    ),
    "option-guillemets": ("set_option «debug».«skipKernelTC» true", "skipKernelTC"),
    # 4. Native computation, however configured.
    "decide-plus-native": ("example : 2 + 2 = 4 := by decide +zetaReduce +native", "native"),
    "decide-native-term": ("example : 2 + 2 = 4 := by decide (native := Bool.true)", "native"),
    "decide-native-not": ("example : 2 + 2 = 4 := by decide (native := !false)", "native"),
    "decide-config-name": ("example : 2 + 2 = 4 := by decide (config := myCfg)", "native"),
    "decide-config-field": (
        "example : 2 + 2 = 4 := by decide (config := { kernel := false, native := true })",
        "native",
    ),
    "bv-decide": ("example (x : BitVec 4) : x + 0 = x := by bv_decide", "`bv_decide`"),
    "of-reduce-nat": ("example : 1 = 1 := Lean.ofReduceNat _ _ rfl", "Lean.ofReduceNat"),
    "of-reduce-bool-guillemets": ("example : True := Lean.«ofReduceBool» _ _ rfl", "ofReduceBool"),
    # 5. Code run while elaborating or printing.
    "simproc": ("simproc reduceFoo (foo _) := fun _ => return .continue", "`simproc`"),
    "dsimproc": ("dsimproc reduceFoo (foo _) := fun _ => return .continue", "`dsimproc`"),
    "simproc-decl": ("simproc_decl reduceFoo (foo _) := fun _ => return .continue", "simproc"),
    "simproc-attribute": ("@[simproc] def reduceFoo : Nat := 1", "@[simproc]"),
    "delab": ("@[delab app.OfNat.ofNat] def d : Nat := 1", "@[delab]"),
    "app-delab": ("@[app_delab OfNat.ofNat] def d : Nat := 1", "@[app_delab]"),
    "app-unexpander": ("@[app_unexpander OfNat.ofNat] def u : Nat := 1", "@[app_unexpander]"),
    "scoped-delab": ("attribute [scoped delab app.f] d", "@[delab]"),
    "csimp-axiom": ("@[csimp] axiom f_eq : @f = @g", "axiom `f_eq`"),
    "export-axiom": ("@[export lean_f] axiom f : Nat", "axiom `f`"),
    # 5. An attribute spelt by a macro: `Lean/Elab/Attributes.lean` `elabAttr` expands
    # macros on an attribute before reading its name, so any `attr` syntax may be one.
    "attr-macro": ('macro "ib" : attr => `(attr| implemented_by g)', "category `attr`"),
    "attr-macro-guillemets": ('macro "ib" : «attr» => `(attr| extern "f")', "category `attr`"),
    "attr-syntax-named": ('syntax (name := ceAttr) "ce" : attr', "category `attr`"),
    "attr-macro-rules": ("macro_rules | `(attr| ce) => `(attr| init)", "category `attr`"),
    "attr-macro-rules-guillemets": ("macro_rules | `(«attr»| ce) => `(attr| init)", "`attr`"),
    # A category leancli does not read (Lean's `stx`, a library's): refused.
    "stx-macro": ('macro "x" : stx => `(stx| "y")', "category `stx`"),
    # 3. `syntax ... : cat` ends at its category (`Lean/Parser/Command.lean` `syntax`:
    # `many1 syntaxParser >> " : " >> ident`; `term:max`, `syntax:65` are precedences),
    # whatever follows it.
    "syntax-then-infix": ('syntax "f" : command\ninfixl:65 " +++ " => Nat.add', "`syntax`"),
    "syntax-precedences-then-notation": (
        'syntax:arg (name := f) "f" term:max : command\nnotation:50 a " ≺ " b => a < b',
        "command-level `syntax`",
    ),
    "syntax-then-user-command": ('syntax "f" : command\nf', "command-level `syntax`"),
    # A bare quotation is a term or commands, the longer parse (`Term.quot`,
    # `Command.quot`): it is a command where one can start.
    "rules-on-in": ("macro_rules | `($a in $b) => `($b)", "command-level `macro_rules`"),
    "rules-on-declaration": (
        "macro_rules | `($m:declModifiers theorem $n $s:declSig $v:declVal) => `(#check 1)",
        "command-level `macro_rules`",
    ),
    "rules-on-open-in": ("macro_rules | `(open $x in $c) => `($c)", "command-level"),
    "rules-on-two-commands": ("macro_rules | `($a $b) => `($b)", "command-level"),
    "rules-on-a-splice": ("macro_rules | `($cs*) => `(#check 1)", "command-level"),
    "rules-on-a-library-command": ("macro_rules | `(alias $a) => `(#check 1)", "command-level"),
    "rules-with-a-kind": (
        "macro_rules (kind := Lean.Parser.Command.in) | `($a) => `(#check 1)",
        "command-level",
    ),
    # 2. A token changes where Lean's comments and strings start (`tokenFnAux` takes the
    # longest token of the table, `whitespace` only runs between tokens).
    "token-with-dashes": ('notation "x--" => (0 : Nat)', 'token "x--"'),
    "token-with-escaped-dashes": ('notation "x\\x2d-" => (0 : Nat)', "token"),
    "token-ending-in-dash": ('infixl:65 " +-" => Nat.sub', "token"),
    "token-with-block-comment": ('prefix:max "!/-" => Nat.succ', "token"),
    "token-with-quote": ('postfix:max "a\\"" => Nat.succ', "token"),
    "token-with-char-quote": ('notation "+\'" => (0 : Nat)', "token"),
    "token-with-guillemet": ('notation "+«" => (0 : Nat)', "token"),
    "token-ending-in-a-name": ('notation "x+y" => (0 : Nat)', "token"),
    "token-in-term-syntax": ('syntax "x--" : term', "token"),
    "token-in-a-macro": ('macro "x--" : term => `(0)', "token"),
    "token-hash-word": ('syntax "#x" term : term', "token"),
    # `#evalx` is `#eval x` to Lean: the longest token, not a `#word`.
    "hash-eval-joined": ("#evalx", "`#eval`"),
    # After the token `n + 0`, `bv_decide` is a name: `0b` starts no number without a
    # binary digit (`binNumberFn`: `takeWhile1Fn`/`takeDigitsFn`, else an error).
    "zero-b-after-a-token": (
        'local notation "n + 0" => 0\nexample : True := by have := n + 0bv_decide',
        "`bv_decide`",
    ),
    # 2. A string interpolated by syntax other than core's `s!`: `throwErrorAt` with any
    # `term:max` (`Lean/Exception.lean`), the snippet's own `interpolatedStr(term)` macro.
    "throw-error-at-index": (
        'def a := "{"\ndef f := throwErrorAt stx[0] "{\'"\'}"\nrun_cmd pure ()\ndef c := "x"',
        "`run_cmd`",
    ),
    "own-interpolating-macro": (
        'macro "my!" s:interpolatedStr(term) : term => `(toString $s)\n'
        'def a := "{"\ndef f := my! "{\'"\'}"\nrun_cmd pure ()\ndef c := "x"',
        "`run_cmd`",
    ),
}


@pytest.mark.parametrize("key", REFUSED)
def test_every_spelling_of_a_refused_construct_is_refused(key: str) -> None:
    body, construct = REFUSED[key]
    reasons = find_cheats(body)
    assert any(construct in reason for reason in reasons), reasons


HONEST = {
    # 8. `init` as a fold's parameter, in a list, in a named argument: no attribute.
    "init-in-list": "theorem t (init : Nat) : [init].length = 1 := rfl",
    "init-after-comma": (
        "def sum (init : Nat) (xs : List Nat) := xs.foldl (· + ·) init\n"
        "theorem t (init : Nat) : sum init [] = init := by simp [sum, init]"
    ),
    "init-named-argument": "theorem t : [1].foldl (init := 0) (· + ·) = 1 := rfl",
    # A term-level `macro_rules` with a bare quotation.
    "term-macro-rules": 'syntax "myterm" : term\nmacro_rules | `(myterm) => `(1)',
    "term-macro-rules-antiquote": "macro_rules | `($x ⊕⊕ $y) => `($x + $y)",
    "tactic-macro-guillemets": 'macro "my_tac" : «tactic» => `(tactic| simp)',
    # 5. `@[csimp]` on a theorem and `@[export]` run no code the kernel did not check.
    "csimp": "def f (n : Nat) := n\ndef g (n : Nat) := n\n@[csimp]\ntheorem f_eq : @f = @g := rfl",
    "export": "@[export lean_my_f]\ndef myF (n : Nat) : Nat := n",
    # 4. `decide` without native computation.
    "decide-kernel": "example : 2 + 2 = 4 := by decide +kernel",
    "decide-minus-native": "example : 2 + 2 = 4 := by decide -native",
    "decide-native-false": "example : 2 + 2 = 4 := by decide (native := false)",
    "decide-config-kernel": "example : 2 + 2 = 4 := by decide (config := { kernel := true })",
    # 2. What Lean reads as an identifier or a literal holds no keyword.
    "subscript-digits": "theorem h₁elab : True := trivial",
    "string-with-brace": 'def s := "{" ++ "}"\ntheorem t : s.length = 2 := rfl',
    "name-literal": "def n := `elab\ndef m := `run_cmd",
    "raw-string": 'def s := r##"run_cmd "# elab"##',
    "prime-idents": "theorem elab' : True := trivial\ntheorem h' (f' : Nat) : f' = f' := rfl",
    # Syntax of the categories leancli reads, and of the snippet's own.
    "own-category": 'declare_syntax_cat item\nsyntax "x" : item\nsyntax "[" item "]" : term',
    "term-syntax-then-infix": 'syntax "myterm" term:max : term\ninfixl:65 " +++ " => Nat.add',
    "term-rules-typed-antiquote": "macro_rules | `($x:term ⊕⊕ $y) => `($x + $y)",
    "term-rules-fun": "macro_rules | `(fun $x ↦ $b) => `(fun $x => $b)",
    # Tokens leancli reads as Lean does.
    "tokens-of-symbols": (
        'infixl:65 " +++ " => Nat.add\nnotation "‖" x "‖" => x\nnotation "ℝ≥0" => Nat\n'
        'local notation "n + 0" => 0\nprefix:max "√" => Nat.sqrt'
    ),
    # 8. Words in plain strings, a `{` in an earlier one: core Lean reads them plainly.
    "brace-then-word": 'def l := "{"\ntheorem t : (l ++ "unsafe").length = 7 := by decide',
    "brace-then-axiom": 'def l := "{"\ndef m := "axiom"\ntheorem t : m.length = 5 := by decide',
    "many-braces": "".join(f'def s{i} := "{{" ++ "}}"\n' for i in range(40))
    + "theorem t : s0.length = 2 := by decide",
}


@pytest.mark.parametrize("key", HONEST)
def test_honest_code_lean_reads_otherwise_is_not_refused(key: str) -> None:
    assert find_cheats(HONEST[key]) == []


def test_native_computation_in_a_named_declaration_is_left_to_the_audit() -> None:
    body = "theorem t (x : BitVec 4) : x + 0 = x := by bv_decide"
    assert find_cheats(body) == []
    allowed = AuditOptions(allow_native_decide=True)
    assert find_cheats("example : 1 = 1 := by decide +native", allowed) == []


def test_lemma_declares_only_where_mathlib_makes_it_a_keyword() -> None:
    # Core Lean has no `lemma` command (Mathlib/Tactic/Lemma.lean declares it): there it
    # is an identifier, and `lemma h` declares nothing.
    body = "theorem t (lemma : Nat → Prop) (h : Nat) (hl : lemma h) : lemma h := hl"
    assert declared_names(body, lemma=False) == ["t"]
    assert declared_names("lemma l : True := trivial", lemma=True) == ["l"]
    assert not lemma_is_keyword("") and not lemma_is_keyword("import Lean\nimport Std.Data")
    assert lemma_is_keyword("import Mathlib") and lemma_is_keyword("import Lean\nimport Batteries")
    assert lemma_is_keyword("public import all Mathlib.Tactic")


def test_through_the_cli_each_class_is_refused_or_passes_as_lean_reads_it(
    tmp_path: Path, fake_repl: str
) -> None:
    refused = ["subscript-plus", "char-in-interpolant", "macro-guillemet-category"]
    refused += ["decide-plus-native", "bv-decide", "simproc", "delab", "app-unexpander"]
    refused += ["attr-macro-rules", "rules-on-in", "syntax-then-infix", "token-ending-in-dash"]
    refused += ["throw-error-at-index"]
    honest = ["init-in-list", "init-after-comma", "term-macro-rules", "csimp", "export"]
    honest += ["term-syntax-then-infix", "tokens-of-symbols", "brace-then-axiom", "many-braces"]
    rows = [{"id": key, "code": REFUSED[key][0]} for key in refused]
    rows += [{"id": key, "code": HONEST[key]} for key in honest]
    results = {row["id"]: row for row in check_rows(tmp_path, fake_repl, rows)}
    for key in refused:
        assert results[key]["status"] == "fail", results[key]
        assert results[key]["error"].startswith("refused: "), results[key]
    assert {key: results[key]["status"] for key in honest} == dict.fromkeys(honest, "pass")
