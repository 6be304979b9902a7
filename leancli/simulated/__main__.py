from leancli.simulated.repl import SimulatedRepl

SimulatedRepl().serve()
