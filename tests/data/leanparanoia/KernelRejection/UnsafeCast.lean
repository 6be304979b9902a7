namespace LeanTestProject.KernelRejection

-- Kernel rejects: invalid use of unsafeCast

axiom bad_axiom : False

local instance {p : Prop} : Add Nat where
  add _ _ := unsafeCast bad_axiom

theorem exploit_theorem : 1 + 1 = 0 := rfl

end LeanTestProject.KernelRejection
