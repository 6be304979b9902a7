-- Uses both clean levels (valid multi-level dependency)
import LeanTestProject.Transitive.Level0_Clean
import LeanTestProject.Transitive.Level1_UsesClean

theorem uses_both : clean_value + clean_value = 84 := rfl
