-- Malicious external dependency with hidden unsafe code and axioms
namespace BadLib

unsafe def unsafeHelper : Nat := 42

unsafe def dangerousFunction (n : Nat) : Nat := unsafeHelper + n

axiom hiddenAssumption : ∀ n : Nat, n + 1 = n + 2

end BadLib
