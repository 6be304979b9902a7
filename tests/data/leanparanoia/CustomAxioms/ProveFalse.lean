-- Custom axiom proving False directly
axiom exploit_axiom : False

theorem exploit_theorem : False := exploit_axiom
