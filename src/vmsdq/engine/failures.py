"""The failure file: one Parquet per entity per run, columns rule, key, values (JSON text).

Every backend writes through here: DuckDB from its flags table, a SQL database from the
flagged rows it sent back (loaded into a DuckDB flags table first), so the values are
formatted by the same SQL whichever backend found them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from vmsdq.core import sealing
from vmsdq.core.snapshots import RejectedRecord
from vmsdq.engine.plan import FLAGS, KEY, RowPlan, failures_select
from vmsdq.engine.sql_cache import SqlByObjects

if TYPE_CHECKING:  # pyarrow costs ~0.2 s to import: only runs that need it pay (issue #9)
    import pyarrow as pa

REJECTS = "__rejects"
FAILING = "__failing"  # the failure file's rows, as a view while the file is written
FETCHED = "__fetched"
BATCH_ROWS = 100_000  # failing rows sealed and written at a time
ZSTD_LEVEL = 1  # same file size as DuckDB's default level 3 on failure rows, ~10 % less CPU


def parseable_rule(entity: str) -> str:
    return f"{entity}.record.parseable"


def failure_file(folder: Path, entity: str) -> Path:
    """Where an entity's failing rows go: ``<folder>/<entity>.parquet``."""
    return Path(folder) / f"{entity}.parquet"


def write_failures(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    plan: RowPlan | None,
    failing: Sequence[int],
    rejects: Sequence[RejectedRecord],
    entity: str,
) -> None:
    """Write every failing row (never capped) plus quarantined records to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not rejects:  # no Arrow table to register (pyarrow stays unimported)
        con.execute(_failing_view(plan, failing))
        try:
            _write(con, exp.select("*").from_(FAILING), path)
        finally:
            con.execute(DROP_FAILING)
        return
    rows = failures_select(plan, failing) if plan is not None else None
    con.register(REJECTS, _rejects_table(entity, rejects))
    try:
        query: exp.Query = exp.select("rule", "key", exp.column("values", quoted=True)).from_(
            REJECTS
        )
        if rows is not None:
            query = exp.union(rows, query, distinct=False, copy=False)  # both built here
        _write(con, query, path)
    finally:
        con.unregister(REJECTS)


VIEWS_KEPT = 256
_VIEWS = SqlByObjects(VIEWS_KEPT)
DROP_FAILING = exp.Drop(tables=[exp.to_table(FAILING)], kind="VIEW", exists=True).sql("duckdb")


def _failing_view(plan: RowPlan | None, failing: Sequence[int]) -> str:
    """``CREATE TEMP VIEW __failing AS`` the failure file's rows (all VARCHAR) of the flags
    table, generated once per list of checks and failing ones (``engine.sql_cache``)."""

    def build() -> str:
        rows = failures_select(plan, failing) if plan is not None else None
        view = exp.Create(
            this=exp.to_table(FAILING),
            kind="VIEW",
            expression=_no_rows() if rows is None else _as_text(rows),
            replace=True,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        return view.sql(dialect="duckdb", copy=False)

    return _VIEWS.get(tuple(plan.checks) if plan is not None else (), build, *failing)


def _no_rows() -> exp.Query:
    """No row, with the failure file's columns (rule, key, values), all VARCHAR."""
    return exp.select(*_text_columns(None)).where(exp.false(), copy=False)


def _as_text(rows: exp.Query) -> exp.Query:
    """The failure file's columns as VARCHAR, as the union with the rejects table made them."""
    return exp.select(*_text_columns("f")).from_(rows.subquery("f", copy=False), copy=False)


def _text_columns(table: str | None) -> list[exp.Expr]:
    columns: list[exp.Expr] = []
    for name in ("rule", "key", "values"):
        value = exp.column(name, table, quoted=True) if table else exp.null()
        columns.append(exp.alias_(exp.cast(value, "VARCHAR"), name, quoted=True, copy=False))
    return columns


def write_flagged(
    path: Path,
    plan: RowPlan,
    failing: Sequence[int],
    batches: Iterable[pa.RecordBatch],
    entity: str,
) -> None:
    """Write the failure file from flagged rows computed elsewhere (a SQL database).

    Each batch holds the flags table's columns (key, ``c<i>`` flags, value columns) as the
    database returned them; values are turned into text by DuckDB, as on the DuckDB path.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(_flags_table(plan).sql(dialect="duckdb"))
        for batch in batches:
            con.register(FETCHED, batch)
            try:
                con.execute(_insert_flags(plan).sql(dialect="duckdb"))
            finally:
                con.unregister(FETCHED)
        write_failures(con, path, plan, failing, [], entity)
    finally:
        con.close()


def combine(parts: Sequence[Path], target: Path) -> None:
    """Replace ``target`` by the rows of every part (one of them may be ``target``)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con = duckdb.connect(":memory:")
    try:
        files = exp.Array(expressions=[exp.Literal.string(str(p)) for p in parts])
        query = exp.select("rule", "key", exp.column("values", quoted=True)).from_(
            exp.func("read_parquet", files)
        )
        _write(con, query, tmp)
    finally:
        con.close()
    os.replace(tmp, target)


def _flags_table(plan: RowPlan) -> exp.Create:
    """``CREATE TABLE __flags (__key VARCHAR, c0 BOOLEAN, ..., v0 VARCHAR, ...)``."""
    columns = [(KEY, "VARCHAR")] + [(f"c{i}", "BOOLEAN") for i in range(len(plan.checks))]
    columns += [(alias, "VARCHAR") for alias in plan.values.values()]
    schema = exp.Schema(
        this=exp.to_table(FLAGS),
        expressions=[
            exp.ColumnDef(this=exp.to_identifier(name, quoted=True), kind=exp.DataType.build(t))
            for name, t in columns
        ],
    )
    return exp.Create(this=schema, kind="TABLE")


def _insert_flags(plan: RowPlan) -> exp.Insert:
    """``INSERT INTO __flags SELECT CAST(__key AS VARCHAR), CAST(c0 AS BOOLEAN), ...``."""
    names = [KEY] + [f"c{i}" for i in range(len(plan.checks))] + list(plan.values.values())
    types = ["VARCHAR"] + ["BOOLEAN"] * len(plan.checks) + ["VARCHAR"] * len(plan.values)
    select = exp.select(
        *[exp.cast(exp.column(n, quoted=True), t) for n, t in zip(names, types, strict=True)]
    ).from_(FETCHED)
    return exp.insert(select, FLAGS)


def _write(con: duckdb.DuckDBPyConnection, query: exp.Query, path: Path) -> None:
    """Write the rows of ``query`` (rule, key, values) to ``path``: by DuckDB itself, or with
    encryption at rest on (core/sealing.py), streamed out with each batch's values sealed in
    one call (a Python function inside the query would hold DuckDB's threads on the GIL)."""
    ring = sealing.keyring()
    if ring is None:
        con.execute(_copy(query, path).sql(dialect="duckdb", copy=False))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    reader = con.execute(query.sql(dialect="duckdb", copy=False)).to_arrow_reader(BATCH_ROWS)
    schema = pa.schema([("rule", pa.string()), ("key", pa.string()), ("values", pa.string())])
    with pq.ParquetWriter(
        str(path), schema, compression="zstd", compression_level=ZSTD_LEVEL
    ) as out:
        for batch in reader:
            values = ring.seal_many(batch.column(2).to_pylist(), sealing.FAILURE_VALUES)
            columns = [batch.column(0).cast(pa.string()), batch.column(1).cast(pa.string())]
            out.write_batch(pa.record_batch([*columns, pa.array(values, pa.string())], schema))


def _copy(query: exp.Query, path: Path) -> exp.Copy:
    """``COPY (query) TO 'path' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)``."""
    params = [
        exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("parquet")),
        exp.CopyParameter(this=exp.var("COMPRESSION"), expression=exp.var("zstd")),
        exp.CopyParameter(
            this=exp.var("COMPRESSION_LEVEL"), expression=exp.Literal.number(ZSTD_LEVEL)
        ),
    ]
    return exp.Copy(
        this=exp.paren(query, copy=False),
        kind=False,
        files=[exp.Literal.string(str(path))],
        params=params,
    )


def _rejects_table(entity: str, rejects: Sequence[RejectedRecord]) -> pa.Table:
    import pyarrow as pa

    rule = parseable_rule(entity)
    return pa.table(
        {
            "rule": pa.array([rule] * len(rejects), pa.string()),
            "key": pa.array([f"line:{r.line}" for r in rejects], pa.string()),
            "values": pa.array(
                [json.dumps({"error": r.error, "raw": r.raw}) for r in rejects], pa.string()
            ),
        }
    )
