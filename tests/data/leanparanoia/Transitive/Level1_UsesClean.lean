-- Uses clean level 0 (valid dependency)
import LeanTestProject.Transitive.Level0_Clean

theorem uses_clean : clean_value = 42 := clean_theorem
