-- Debug option terminalTacticsAsSorry replaces terminal tactics with sorry
set_option debug.terminalTacticsAsSorry true

theorem exploit_theorem : False := by
  omega
