-- Custom axiom at dependency level 0
axiom custom_axiom : False
