-- Implemented by chains ending in extern should be rejected
@[extern "evil_chain_add"]
private def privExtern (n m : Nat) : Nat := n + m

private def surfaceCore (n m : Nat) : Nat := n + m

private def surfaceCoreShim (n m : Nat) : Nat := surfaceCore n m
attribute [implemented_by privExtern] surfaceCoreShim

private def surfaceBridge (n m : Nat) : Nat := surfaceCoreShim n m
attribute [implemented_by surfaceCoreShim] surfaceBridge

@[simp] def surface (n m : Nat) : Nat := surfaceBridge n m

-- Chain could execute arbitrary extern code
axiom exploit_axiom : surface 1 1 = 3

theorem exploit_theorem : 1 + 1 = 3 := exploit_axiom
