namespace LeanTestProject.AuxiliaryShadowing.TypeSignature

def bar (n : Nat) : Nat :=
  match n with
  | 0 => 0
  | n + 1 => n

-- Use auxiliary in the TYPE signature, not just the body
def exploit : (n : Nat) → bar.match_1 (fun _ => Nat) n (fun _ => 0) (fun k => k) = bar n :=
  fun n => by cases n <;> rfl

end LeanTestProject.AuxiliaryShadowing.TypeSignature
