"""Run an entity's checks inside its SQL database instead of copying the rows out.

Used by the runner when the default source offers ``pushdown`` (the SQL source) and its spec
allows it. The database's capabilities decide which checks are pushed; the rest (and the
table checks) run in DuckDB from the rows as usual. Failing keys of pushed checks go to the
run's failure files like any other failures (offending values are not fetched back).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq.core.errors import VmsdqError

if TYPE_CHECKING:
    from vmsdq.checks.model import CompiledEntity
    from vmsdq.core.results import EntityResult
    from vmsdq.spec.models import EntitySpec

PUSHED = "__pushdown"  # suffix of the helper result merged into the entity


def wants_pushdown(source: object) -> bool:
    spec = getattr(source, "spec", None)
    return callable(getattr(source, "pushdown", None)) and bool(getattr(spec, "pushdown", False))


def push(
    source: object,
    compiled: list[CompiledEntity],
    entities: Mapping[str, EntitySpec],
    failures_dir: Path,
) -> tuple[list[CompiledEntity], list[EntityResult]]:
    """Push what the database can run. Returns (what DuckDB still runs, pushed results)."""
    remaining: list[CompiledEntity] = []
    pushed: list[EntityResult] = []
    for entity in compiled:
        if "__" in entity.name:  # reconciliation helpers join two systems: DuckDB's job
            remaining.append(entity)
            continue
        try:
            outcome = source.pushdown(entity, entities)  # type: ignore[attr-defined]
        except VmsdqError:
            remaining.append(entity)  # e.g. a query-based entity: read the rows instead
            continue
        result = outcome.result
        result.entity = entity.name + PUSHED
        result.failures_path = _write_failures(outcome.failing, failures_dir, entity.name)
        result.message = f"{len(result.rules)} of {len(entity.checks)} checks ran in the database"
        pushed.append(result)
        if outcome.fallback:
            remaining.append(dataclasses.replace(entity, checks=tuple(outcome.fallback)))
    return remaining, pushed


def _write_failures(failing: Mapping[str, set[str]], folder: Path, entity: str) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rules = [rule for rule, keys in failing.items() for _ in keys]
    keys = [key for keys in failing.values() for key in sorted(keys)]
    path = folder / f"{entity}{PUSHED}.parquet"
    table = pa.table(
        {"rule": pa.array(rules, pa.string()), "key": pa.array(keys, pa.string()),
         "values": pa.array(["{}"] * len(keys), pa.string())}
    )  # fmt: skip
    pq.write_table(table, path)
    return str(path)
