namespace LeanTestProject.SourcePatterns.NotationRedefinition

-- Local notation redefines True to mean False

axiom bad_axiom : False

local notation "True" => False

theorem exploit_theorem : True := bad_axiom

end LeanTestProject.SourcePatterns.NotationRedefinition
