"""The source interface: read one entity (or its copy in the other system) into a snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from vmsdq.core.errors import SourceError

if TYPE_CHECKING:
    from vmsdq.core.snapshots import Snapshot
    from vmsdq.core.words import FieldType
    from vmsdq.spec.models import EntitySpec


class Source(Protocol):
    """A named place data comes from. Built by ``sources.registry.get_source``."""

    name: str

    def read(self, entity: EntitySpec) -> Snapshot:
        """Read one entity. Raises ``SourceError`` with a message naming entity and place."""
        ...

    def read_mirror(self, entity: EntitySpec) -> Snapshot:
        """Read the other system's copy of a mirrored entity, under that system's names."""
        ...

    def column_types(self, entity: EntitySpec) -> dict[str, FieldType]:
        """Field -> the type the source's own schema gives its column, without reading rows;
        fields whose column type is unknown (CSV text, a query) are left out."""
        ...

    def close(self) -> None:
        """Release connections and sessions; the source is not used afterwards."""
        ...


class SourceBase:
    """Defaults for a source that serves one system only and holds no connection."""

    name: str

    def read_mirror(self, entity: EntitySpec) -> Snapshot:
        raise SourceError(
            f"entity '{entity.entity}': source '{self.name}' cannot read the other system's "
            "copy; pair the mirror with a source that can (reconcile: in vmsdq.yaml)"
        )

    def column_types(self, entity: EntitySpec) -> dict[str, FieldType]:
        return {}

    def close(self) -> None:
        return None
