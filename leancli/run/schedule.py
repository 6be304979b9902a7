"""Which pending task a free worker takes next: header affinity, then age."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from leancli.records import Task


class Scheduler:
    """Pending tasks grouped by header, oldest first within a header.

    A free worker takes the oldest task whose header it has loaded; failing that, the
    oldest task of all, preferring headers no busy worker is importing already.
    """

    def __init__(self) -> None:
        self._by_header: dict[str, deque[tuple[int, Task]]] = {}
        self._sequence = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, task: Task, *, front: bool = False) -> None:
        queue = self._by_header.setdefault(task.header, deque())
        if front:
            # A retried task goes before everything, so it is not starved by new input.
            queue.appendleft((-1 - self._sequence, task))
        else:
            queue.append((self._sequence, task))
        self._sequence += 1
        self._size += 1

    def remove(self, doomed: Callable[[Task], bool]) -> list[Task]:
        """Take out every waiting task for which `doomed` holds, oldest first."""
        removed: list[tuple[int, Task]] = []
        for header in list(self._by_header):
            queue = self._by_header[header]
            kept = deque(entry for entry in queue if not doomed(entry[1]))
            removed += [entry for entry in queue if doomed(entry[1])]
            if kept:
                self._by_header[header] = kept
            else:
                del self._by_header[header]
        self._size -= len(removed)
        return [task for _, task in sorted(removed, key=lambda entry: entry[0])]

    def pick(
        self, loaded: Iterable[str] = (), group: str = "", *, loaded_only: bool = False
    ) -> Task | None:
        """The next task for a worker with `loaded` headers that last ran `group`;
        with `loaded_only`, none that would need a new import."""
        loaded = frozenset(loaded)
        if group:
            task = self._pick_group(group, loaded if loaded_only else None)
            if task is not None:
                return task
        best_header: str | None = None
        best_age: int | None = None
        for header in loaded:
            queue = self._by_header.get(header)
            if queue and (best_age is None or queue[0][0] < best_age):
                best_header, best_age = header, queue[0][0]
        if best_header is None and not loaded_only:
            for header, queue in self._by_header.items():
                if best_age is None or queue[0][0] < best_age:
                    best_header, best_age = header, queue[0][0]
        if best_header is None:
            return None
        queue = self._by_header[best_header]
        _, task = queue.popleft()
        if not queue:
            del self._by_header[best_header]
        self._size -= 1
        return task

    def _pick_group(self, group: str, headers: frozenset[str] | None) -> Task | None:
        for header, queue in self._by_header.items():
            if headers is not None and header not in headers:
                continue
            for index, (_, task) in enumerate(queue):
                if task.group == group:
                    del queue[index]
                    if not queue:
                        del self._by_header[header]
                    self._size -= 1
                    return task
        return None
