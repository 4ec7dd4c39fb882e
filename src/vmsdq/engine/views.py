"""Snapshots registered as DuckDB views named by entity (and ``<entity>__previous``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from vmsdq.core import sealed_files
from vmsdq.core.errors import MissingColumnError
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import ViewRef, ViewRole

STREAM = "__stream"  # a streaming reader, while it is loaded

if TYPE_CHECKING:
    from vmsdq.checks.model import CompiledEntity


def register_snapshots(
    con: duckdb.DuckDBPyConnection, snapshots: Mapping[str, Snapshot]
) -> dict[str, str]:
    """Register every snapshot (and its previous state); returns view -> error for failures.

    A snapshot given under several names (``<entity>`` and ``<entity>__reconcile``) is read
    once; the other names are views over the first.
    """
    errors: dict[str, str] = {}
    seen: dict[int, str] = {}
    for name, snapshot in snapshots.items():
        previous = ViewRef(name, ViewRole.previous).name
        for view, snap in ((name, snapshot), (previous, snapshot.previous)):
            if snap is None:
                continue
            try:
                if id(snap) in seen:
                    con.table(seen[id(snap)]).create_view(view)
                else:
                    register(con, view, snap)
                    seen[id(snap)] = view
            except (duckdb.Error, ValueError) as error:
                errors[view] = f"entity '{name}': cannot read {snap.location}: {error}"
    return errors


def register(con: duckdb.DuckDBPyConnection, view: str, snapshot: Snapshot) -> None:
    """One view over the snapshot: Parquet scanned in place (decrypted as it is read when
    encrypted at rest), Arrow registered zero-copy.

    A streaming reader can be read once only, so it is loaded into a temp table.
    """
    if snapshot.table is None and not snapshot.parquet:
        raise ValueError("the snapshot holds no data (no table and no Parquet files)")
    if snapshot.table is None:
        sealed_files.register(con, view, list(snapshot.parquet))
        return
    import pyarrow as pa  # Arrow data only: a run over files never imports it (issue #9)

    if isinstance(snapshot.table, pa.RecordBatchReader):
        _temp_table(con, view, snapshot.table)
    else:
        con.register(view, snapshot.table)


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, reader: object) -> None:
    """Load ``reader`` into a temporary table ``name``: the connection's own, as views are
    (a cursor of a shared database never sees another cursor's)."""
    con.register(STREAM, reader)
    try:
        create = exp.Create(
            this=exp.to_table(name),
            kind="TABLE",
            expression=exp.select("*").from_(STREAM),
            replace=True,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        con.execute(create.sql(dialect="duckdb"))
    finally:
        con.unregister(STREAM)


def view_columns(con: duckdb.DuckDBPyConnection, view: str) -> list[str]:
    return list(con.table(view).columns)


def missing_column(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, snapshot: Snapshot
) -> MissingColumnError | None:
    """The first declared field absent from the view (DuckDB names are case-insensitive).

    Snapshots name columns by field; the source renamed ``source_name`` when it read them.
    """
    present = {name.lower() for name in view_columns(con, entity.name)}
    for spec in entity.columns:
        if spec.name.lower() not in present:
            return MissingColumnError(entity.name, spec.name, snapshot.location)
    return None
