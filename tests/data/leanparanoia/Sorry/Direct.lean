namespace LeanTestProject.Sorry.Direct

-- Direct sorry bypasses proof verification
theorem exploit_theorem : False := sorry

end LeanTestProject.Sorry.Direct
