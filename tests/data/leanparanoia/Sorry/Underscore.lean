-- Refine with hole and explicit sorry
theorem exploit_theorem : False := by
  refine ?_
  sorry
