namespace LeanTestProject.AuxiliaryShadowing.ProofShadowing

def bar (n : Nat) : Nat :=
  match n with
  | 0 => 0
  | n + 1 => n

def foo (n : Nat) : Nat :=
  bar.match_1 (fun _ => Nat) n (fun _ => 0) (fun k => k)

theorem exploit : foo 5 = 4 := rfl

end LeanTestProject.AuxiliaryShadowing.ProofShadowing
