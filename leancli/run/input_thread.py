"""The run loop's input side: items read in a thread of their own, and results in order.

Reading input may block for as long as its producer likes (`check -` fed by a co-process
that sends one snippet and waits for its verdict): it never holds up dispatching the
lines already read or writing their results, because a background thread does all the
reading into a bounded buffer (which keeps the run loop's window: a reader far ahead
of the workers waits for room, so a huge input stays small in memory). Also: results
held back for input order, and a result moved onto a copy of its snippet.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace

from leancli.inputs.items import InvalidLine, Item
from leancli.records import Outcome, Result
from leancli.verdict.decide import shift_positions

Entry = Item | InvalidLine


class InputReader:
    """Entries of `items`, read ahead by a daemon thread, at most `capacity` waiting."""

    def __init__(self, items: Iterable[Entry], capacity: int) -> None:
        self._items = iter(items)
        self._capacity = max(1, capacity)
        self._ready: deque[Entry] = deque()
        self._arrived = threading.Event()
        self._room = threading.Event()
        self._room.set()
        self._finished = False  # the thread read its last entry (or failed)
        self._error: BaseException | None = None
        self._stopped = False
        self.exhausted = False  # every entry was taken
        self._thread = threading.Thread(target=self._read, name="leancli-input", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for entry in self._items:
                self._wait_for_room()
                if self._stopped:
                    return
                self._ready.append(entry)
                self._arrived.set()
        except BaseException as exc:  # handed to the run loop, which raises it there
            self._error = exc
        finally:
            self._finished = True
            self._arrived.set()

    def _wait_for_room(self) -> None:
        while len(self._ready) >= self._capacity and not self._stopped:
            self._room.clear()
            # Taken since the length was read: the consumer's `set` came before `clear`.
            if len(self._ready) < self._capacity:
                return
            self._room.wait()

    def take(self) -> Entry | None:
        """The next entry read, or None if none is there yet (see `exhausted`).

        Raises what reading the input raised, once the entries read before are taken.
        """
        try:
            entry = self._ready.popleft()
        except IndexError:
            if self._finished and not self._ready:
                self._end()
            return None
        self._room.set()
        return entry

    def _end(self) -> None:
        self.exhausted = True
        error, self._error = self._error, None
        if error is not None:
            raise error

    def wait(self, timeout: float) -> None:
        """Until an entry arrives, the input ends, or `timeout` passes."""
        self._arrived.clear()
        if self._ready or self._finished:
            return
        self._arrived.wait(timeout)

    def close(self) -> None:
        """Stop reading (after the entry being read now, if the producer ever sends it)."""
        self._stopped = True
        self._room.set()


class ResultOrder:
    """Holds results back until every line read before theirs has its result written."""

    def __init__(self) -> None:
        self._lines: deque[int] = deque()  # lines read, not yet written, in input order
        self._held: dict[int, Result] = {}

    @property
    def held(self) -> int:
        return len(self._held)

    def expect(self, line: int) -> None:
        self._lines.append(line)

    def release(self, result: Result) -> Iterator[Result]:
        """`result` and those held after it, as soon as all before them are out."""
        self._held[result.line] = result
        while self._lines and self._lines[0] in self._held:
            yield self._held.pop(self._lines.popleft())


def moved_outcome(outcome: Outcome, lines: int) -> Outcome:
    if lines == 0:
        return outcome
    return replace(
        outcome,
        messages=shift_positions(outcome.messages, lines),
        sorries=shift_positions(outcome.sorries, lines),
    )


def as_duplicate(
    result: Result, line: int, item_id: str | None, moved_by: int, computed_from: str
) -> Result:
    """`result` as the answer to a copy of its snippet whose body starts `moved_by`
    lines further down."""
    checked = result.duplicate_of if result.duplicate_of is not None else result.line
    messages, sorries = result.messages, result.sorries
    if moved_by:
        messages = shift_positions(messages, moved_by)
        sorries = shift_positions(sorries, moved_by)
    return replace(
        result,
        line=line,
        id=item_id,
        duplicate_of=checked,
        messages=messages,
        sorries=sorries,
        cached=False,
        snippet_hash=computed_from,
    )
