-- Scoped notation that changes meaning within a scope
namespace LeanTestProject.SourcePatterns.ScopedNotation

scoped notation "MyTrue" => False

axiom bad_axiom : False

theorem exploit_theorem : MyTrue := bad_axiom

end LeanTestProject.SourcePatterns.ScopedNotation
