-- Uses custom axiom from L0 transitively
import LeanTestProject.Transitive.DeepAxiom_L0

theorem uses_custom_axiom : False := custom_axiom
