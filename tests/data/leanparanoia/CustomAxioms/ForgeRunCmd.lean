-- Run cmd can forge axioms at compile time by modifying environment
import Lean

open Lean Elab Command

run_cmd do
  let decl : Declaration := Declaration.axiomDecl {
    name := `RunCmdForgedFalse
    levelParams := []
    type := mkConst ``False []
    isUnsafe := false
  }
  liftCoreM <| Lean.addDecl decl

def exploit_theorem : False := RunCmdForgedFalse
