-- Valid theorem using helper from another file
import LeanTestProject.Valid.Helper

theorem uses_helper : helper_value = 42 := helper_theorem
