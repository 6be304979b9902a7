namespace LeanTestProject.CustomAxioms.HiddenInInstance

-- Axiom hidden in typeclass instance, not directly in theorem

axiom hidden_axiom : False

class CanProve (p : Prop) where
  proof : p

instance : CanProve False where
  proof := hidden_axiom

def get_proof (p : Prop) [CanProve p] : p :=
  CanProve.proof

theorem exploit_theorem : False :=
  get_proof False

end LeanTestProject.CustomAxioms.HiddenInInstance
