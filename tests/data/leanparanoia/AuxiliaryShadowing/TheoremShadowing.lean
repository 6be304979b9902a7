namespace LeanTestProject.AuxiliaryShadowing.TheoremShadowing

def bar (n : Nat) : Nat :=
  match n with
  | 0 => 0
  | n + 1 => n

theorem exploit : ∀ n, bar.match_1 (fun _ => Nat) n (fun _ => 0) (fun k => k) = bar n := by
  intro n
  cases n <;> rfl

end LeanTestProject.AuxiliaryShadowing.TheoremShadowing
