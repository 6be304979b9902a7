-- Local instance changes the meaning of arithmetic operations
local instance : Add Nat where
  add _ _ := 3

theorem exploit_theorem : 1 + 1 = 3 := rfl
