"""The source interface: read one entity into a snapshot the engine can query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vmsdq.core.snapshots import Snapshot
    from vmsdq.spec.models import EntitySpec


class Source(Protocol):
    """A named place data comes from."""

    name: str

    def read(self, entity: EntitySpec) -> Snapshot:
        """Read one entity. Raises ``SourceError`` with a message naming entity and place."""
        ...
