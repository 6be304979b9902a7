-- Local notation redefines operators to change statement meaning
namespace LeanTestProject.SourcePatterns.LocalNotation

-- Redefine custom notation that looks like equality
local notation a " ≈ " b => a - b = 2

theorem exploit_theorem : (5 : Nat) ≈ 3 := rfl

end LeanTestProject.SourcePatterns.LocalNotation
