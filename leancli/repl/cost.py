"""What checking one snippet cost: the REPL's CPU time, its memory peak, its restarts.

- `cpu`: CPU seconds (user + system, and of its reaped children) of the REPL's process
  tree, read before and after the snippet; a REPL that ends meanwhile is read just
  before it is killed (`ReplSession.close`), so a timeout's CPU is counted too, and one
  that dies on its own (a crash) counts what it used when last read: at each memory
  poll (every 0.1 s) and when its output closes, before it is reaped.
- `peak_rss_mb`: the tree's anonymous resident memory (process_memory.py), the most the
  session's polls saw while the snippet ran, and once more at its end: a sample, so a
  spike between polls can be missed.
- `restarts`: REPL processes the snippet ended (a timeout, out of memory, a crash, too
  many headers, recycling near the memory limit): each costs a fresh start and import.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from leancli.records import Outcome
from leancli.repl.process_memory import tree_anon_rss
from leancli.repl.session import ReplSession


@dataclass
class _Mark:
    cpu: float
    ended: int


class CostMeter:
    """Counts across the sessions one worker has had (a standby swap replaces one)."""

    def __init__(self) -> None:
        self._retired_cpu = 0.0
        self._retired_ended = 0

    def retire(self, session: ReplSession) -> None:
        """`session` is being replaced: keep what it cost."""
        self._retired_cpu += session.cpu_seconds()
        self._retired_ended += session.ended

    def begin(self, session: ReplSession) -> _Mark:
        session.peak_anon_rss = session.anon_rss if session.alive else 0
        return _Mark(self._retired_cpu + session.cpu_seconds(), self._retired_ended + session.ended)

    def finish(self, session: ReplSession, mark: _Mark, outcome: Outcome) -> Outcome:
        if session.alive:
            session.peak_anon_rss = max(session.peak_anon_rss, tree_anon_rss(session.pid))
        cpu = self._retired_cpu + session.cpu_seconds() - mark.cpu
        return replace(
            outcome,
            cpu=round(max(cpu, 0.0), 3),
            peak_rss_mb=round(session.peak_anon_rss / 2**20, 1),
            restarts=self._retired_ended + session.ended - mark.ended,
        )
