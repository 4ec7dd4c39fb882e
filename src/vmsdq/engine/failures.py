"""The failure file: one Parquet per entity per run, columns rule, key, values (JSON text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from vmsdq.engine.plan import RowPlan, failures_select
from vmsdq.sources.base import RejectedRecord

REJECTS = "__rejects"


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
        con.sql(query.sql(dialect="duckdb")).write_parquet(str(path), compression="zstd")
    finally:
        con.unregister(REJECTS)


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
