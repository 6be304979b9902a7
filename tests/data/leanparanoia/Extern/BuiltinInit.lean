-- Builtin init attribute creates foreign initialization hooks that run at startup
-- While this is a runtime security concern, it doesn't affect logical soundness
@[builtin_init]
def builtinInitHook : IO Unit := pure ()

-- Make the theorem depend on the init function
axiom exploit_axiom : builtinInitHook = builtinInitHook → 1 + 1 = 3

theorem exploit_theorem : 1 + 1 = 3 := exploit_axiom rfl
