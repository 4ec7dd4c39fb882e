"""Checks that run where the rows live: the default source's database, when it is a SQL
source that allows it and the engine knows the database (``engine.planner``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vmsdq.checks.model import CompiledEntity
from vmsdq.core.errors import VmsdqError
from vmsdq.core.results import EntityResult
from vmsdq.engine import planner
from vmsdq.services.sources import RunSources


@dataclass(frozen=True)
class Pushdown:
    backend: Any  # engine.sql_backend.SqlBackend
    tables: Mapping[str, str]

    def local_part(self, entity: CompiledEntity) -> CompiledEntity | None:
        """What DuckDB must still run of ``entity`` from its rows (None: nothing).

        Asks the database only for metadata; when it cannot answer, everything stays local.
        """
        try:
            split = planner.split_by_capabilities(entity, self.backend, self.tables)
        except VmsdqError:
            return entity
        if not split.remaining:
            return None
        if not split.pushed:
            return entity
        return planner.remaining_entity(entity, split.remaining)

    def run(
        self, entity: CompiledEntity, failures: Path, now: datetime
    ) -> tuple[EntityResult | None, CompiledEntity | None]:
        """(the pushed part's result or None, what DuckDB still runs or None)."""
        outcome = planner.push(entity, self.backend, self.tables, failures_dir=failures, now=now)
        return outcome.result, outcome.remaining


def pushdown_of(sources: RunSources) -> Pushdown | None:
    """The pushdown of the project's default source, or None when checks run from rows."""
    from vmsdq.engine.sql_backend import SqlBackend
    from vmsdq.sources.sql import SqlSource

    source = sources.default
    if not isinstance(source, SqlSource) or not source.spec.pushdown:
        return None
    backend = SqlBackend.for_url(source.db.url)
    if backend is None:
        return None
    return Pushdown(backend, source.tables(sources.ctx.project.entities))
