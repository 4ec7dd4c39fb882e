"""Checks that run outside the embedded DuckDB: where the rows live (the default source's
database, when it is a SQL source that allows it and the engine knows the database), or on
Spark (``engine: spark``) over the run's archived snapshots (``engine.planner``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vmsdq.checks.model import CompiledEntity
from vmsdq.core.errors import VmsdqError
from vmsdq.core.results import EntityResult
from vmsdq.engine import planner
from vmsdq.engine.failures import failure_file
from vmsdq.services.sources import RunSources
from vmsdq.spec.models import EngineSpec
from vmsdq.store.artifacts import ArtifactStore


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


@dataclass(frozen=True)
class SparkPushdown:
    """``engine: spark``: the checks Spark can run run there, over the run's archive."""

    engine: EngineSpec
    artifacts: ArtifactStore
    run_id: str

    def local_part(self, entity: CompiledEntity) -> CompiledEntity | None:
        """Every view is read into the archive: Spark reads the snapshots from there."""
        return entity

    def run(
        self, entity: CompiledEntity, failures: Path, now: datetime
    ) -> tuple[EntityResult | None, CompiledEntity | None]:
        """(the part Spark ran, or None; what DuckDB still runs, or None).

        Spark not starting is the entity's error (raised); a query Spark rejects leaves the
        entity to DuckDB, as a database's error does. Quarantined records are counted by
        DuckDB (an entity with no checks left still goes there, for them alone).

        Raises:
            SourceError: Spark could not start (no pyspark, no Java, an unreachable master).
        """
        from vmsdq.engine.spark_backend import SparkBackend

        snapshots = {
            view: snap
            for view in (entity.name, *entity.needs)
            if (snap := self.artifacts.snapshot(self.run_id, view)) is not None
        }
        own = snapshots.get(entity.name)
        if own is None:
            return None, entity
        with SparkBackend.from_spec(self.engine) as backend:
            outcome = planner.push(entity, backend, snapshots, failures_dir=failures, now=now)
        if outcome.result is None:
            return None, entity
        ran = len(entity.checks) - (len(outcome.remaining.checks) if outcome.remaining else 0)
        outcome.result.message = f"{ran} of {len(entity.checks)} checks ran in Spark"
        if outcome.remaining is None and own.rejects:
            path = outcome.result.failures_path
            if path is not None:
                aside = failure_file(failures, f"{entity.name}.{planner.PART}")
                os.replace(path, aside)
                outcome.result.failures_path = str(aside)
            return outcome.result, planner.remaining_entity(entity, ())
        return outcome.result, outcome.remaining


def pushdown_of(sources: RunSources) -> Pushdown | SparkPushdown | None:
    """Where checks run besides DuckDB: Spark (``engine: spark``), else the default source's
    database, else None (every check runs from the rows)."""
    from vmsdq.engine.sql_backend import SqlBackend
    from vmsdq.sources.sql import SqlSource

    engine = sources.ctx.project.spec.engine
    if engine.backend == "spark":
        return SparkPushdown(engine, sources.ctx.artifacts, sources.run_id)
    source = sources.default
    if not isinstance(source, SqlSource) or not source.spec.pushdown:
        return None
    backend = SqlBackend.for_url(source.db.url)
    if backend is None:
        return None
    return Pushdown(backend, source.tables(sources.ctx.project.entities))
