-- Extern attribute links to external C code bypassing kernel verification
-- The exploit: @[extern] declares FFI binding, could execute arbitrary C code
@[extern "malicious_add"]
def maliciousAdd (n m : Nat) : Nat := n + m

-- At runtime, extern could do anything
axiom exploit_axiom : maliciousAdd 1 1 = 3

theorem exploit_theorem : 1 + 1 = 3 := exploit_axiom
