-- Debug option byAsSorry replaces tactic blocks with sorry
set_option debug.byAsSorry true

theorem exploit_theorem : True := by
  trivial
