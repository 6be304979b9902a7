-- Clean level 0 with no exploits
def clean_value : Nat := 42

theorem clean_theorem : clean_value = 42 := rfl
