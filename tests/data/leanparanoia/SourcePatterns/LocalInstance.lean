-- Local instance changes typeclass resolution to prove false statements
namespace LeanTestProject.SourcePatterns.LocalInstance

-- Redefine addition to always return 3
local instance : Add Nat where
  add _ _ := 3

theorem exploit_theorem : 1 + 1 = 3 := rfl

end LeanTestProject.SourcePatterns.LocalInstance
