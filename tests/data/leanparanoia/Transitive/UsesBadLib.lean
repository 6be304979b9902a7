-- Uses malicious external dependency with hidden exploit
import LeanTestProject.Transitive.BadLib

theorem exploit_theorem : 1 + 1 = 3 := by
  have h := BadLib.hiddenAssumption 1
  exact h
