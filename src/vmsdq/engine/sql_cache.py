"""SQL text generated once per set of the process's compiled objects.

Runs plan from the process's cache of compiled entities, so each run of a project (a
schedule, a simulated day) hands in the same objects: the text built for them (the flags
statement, the failure view) is looked up by their identities. An entry holds the objects
themselves, so their ids cannot be reused while it is kept, and is only taken when they are
the very same ones. The least recently used entries go first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator


class SqlByObjects:
    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._entries: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], str]] = OrderedDict()

    def get(self, owners: tuple[object, ...], build: Callable[[], str], *extra: int) -> str:
        """The text for ``owners`` (and the numbers ``extra``), built once by ``build``."""
        key = (*(id(o) for o in owners), -1, *extra)
        found = self._entries.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], owners, strict=True)):
            self._entries.move_to_end(key)
            return found[1]
        sql = build()
        self._entries[key] = (owners, sql)
        while len(self._entries) > self.kept:
            self._entries.popitem(last=False)
        return sql

    def values(self) -> Iterator[tuple[tuple[object, ...], str]]:
        """The entries kept, as (objects, text)."""
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)
