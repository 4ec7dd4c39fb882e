"""The sources of one run, opened when first needed and closed at the end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import ViewRef, ViewRole

if TYPE_CHECKING:
    from vmsdq.services.context import Context
    from vmsdq.sources.base import Source


class RunSources:
    """The project's default source and its mirror, as a run reads them."""

    def __init__(self, ctx: Context, run_id: str) -> None:
        self.ctx = ctx
        self.run_id = run_id
        self._open: dict[str, Source] = {}

    def __enter__(self) -> RunSources:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, name: str) -> Source:
        if name not in self._open:
            from vmsdq.sources.registry import get_source

            spec = self.ctx.project.spec
            self._open[name] = get_source(
                name,
                spec.sources[name],
                root=Path(self.ctx.project.root),
                workspace=self.ctx.artifacts.workspace(self.run_id, name),
            )
        return self._open[name]

    @property
    def default(self) -> Source:
        return self.get(self.ctx.project.spec.default_source)

    def read(self, view: ViewRef) -> Snapshot:
        """Read one view: an entity from the default source, or its mirror from the other."""
        spec = self.ctx.project.spec
        entity = self.ctx.project.entities[view.entity]
        if view.role is ViewRole.mirror:
            mirror = spec.reconcile.get(spec.default_source)
            if mirror is None:
                raise KeyError(f"no source is paired with '{spec.default_source}' to reconcile")
            return self.get(mirror).read_mirror(entity)
        return self.default.read(entity)

    def column_types(self) -> tuple[dict[str, dict[str, str]], list[str]]:
        """Each entity's column types from the default source's schema (field -> type), and
        one note per declared type they contradict. An entity the source cannot describe
        has none here: reading it reports why."""
        from vmsdq.spec.source_types import type_notes

        types: dict[str, dict[str, str]] = {}
        notes: list[str] = []
        for name, entity in self.ctx.project.entities.items():
            try:
                found = self.default.column_types(entity)
            except Exception:  # noqa: BLE001 (the read step reports a source it cannot read)
                continue
            types[name] = {field: str(kind) for field, kind in found.items()}
            notes += type_notes(entity, found)
        return types, notes

    def close(self) -> None:
        for source in self._open.values():
            source.close()
        self._open.clear()
