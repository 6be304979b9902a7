-- Incomplete proof with sorry placeholder for subgoal
theorem exploit_theorem : ∀ n : Nat, n ≤ n + 1 := by
  intro n
  refine Nat.le_step ?_
  sorry
