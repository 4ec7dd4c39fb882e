"""The failure file: one Parquet per entity per run, columns rule, key, values (JSON text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from vmsdq.core.snapshots import RejectedRecord
from vmsdq.engine.plan import RowPlan, failures_select

REJECTS = "__rejects"
ZSTD_LEVEL = 1  # same file size as DuckDB's default level 3 on failure rows, ~10 % less CPU


def parseable_rule(entity: str) -> str:
    return f"{entity}.record.parseable"


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
    con.register(REJECTS, _rejects_table(entity, rejects))
    try:
        query: exp.Query = exp.select("rule", "key", exp.column("values", quoted=True)).from_(
            REJECTS
        )
        rows = failures_select(plan, failing) if plan is not None else None
        if rows is not None:
            query = exp.union(rows, query, distinct=False)
        con.execute(_copy(query, path).sql(dialect="duckdb"))
    finally:
        con.unregister(REJECTS)


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
        this=exp.paren(query), kind=False, files=[exp.Literal.string(str(path))], params=params
    )


def _rejects_table(entity: str, rejects: Sequence[RejectedRecord]) -> pa.Table:
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
