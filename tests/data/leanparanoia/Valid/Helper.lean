-- Helper definitions for multi-file valid tests
def helper_value : Nat := 42

theorem helper_theorem : helper_value = 42 := rfl
