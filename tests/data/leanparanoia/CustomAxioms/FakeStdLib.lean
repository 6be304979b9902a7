import Lean

open Lean Elab Command

-- Forge a constant under the trusted Std namespace to dodge namespace-based checks
run_cmd do
  let forged : Declaration := Declaration.axiomDecl {
    name := `Std.TrustMe.forgedFalse
    levelParams := []
    type := mkConst ``False []
    isUnsafe := false
  }
  liftCoreM <| Lean.addDecl forged

/-- Exploit theorem relying on the forged trusted axiom. -/
theorem exploit_theorem : False := Std.TrustMe.forgedFalse
