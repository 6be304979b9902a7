-- Simple valid theorem with no exploits
theorem simple_theorem : True := trivial
