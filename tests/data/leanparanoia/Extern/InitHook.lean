-- Init attribute creates foreign initialization hooks that run at module load
-- While this is a runtime security concern, it doesn't affect logical soundness
@[init]
def initHook : IO Unit := pure ()

-- Make the theorem depend on the init function
axiom exploit_axiom : initHook = initHook → 1 + 1 = 3

theorem exploit_theorem : 1 + 1 = 3 := exploit_axiom rfl
