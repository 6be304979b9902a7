-- Native decide relies on compiled code and adds compiler to trusted codebase
import Std

theorem exploit_theorem : True := by
  native_decide
