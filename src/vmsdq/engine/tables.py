"""Table checks (row_count, freshness): every metric of an entity in one aggregate query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
from sqlglot import exp

from vmsdq.checks.model import BASE, Check, CompiledEntity
from vmsdq.checks.sql import NOW, col
from vmsdq.engine.plan import base_columns, base_select

TableOutcome = tuple[float | None, bool]  # observed metric, failed


def table_query(entity: CompiledEntity, checks: Sequence[Check], now: datetime) -> exp.Select:
    """``WITH base AS (...), m AS (SELECT metric AS m0, ...) SELECT m0, fails0, ... FROM m``."""
    metrics = [
        exp.alias_(_with_now(check.metric or exp.null(), now), f"m{i}", quoted=True)
        for i, check in enumerate(checks)
    ]
    projections: list[exp.Expr] = []
    for i, check in enumerate(checks):
        metric = col(f"m{i}", None)
        fails = check.fails.transform(lambda node, m=metric: m.copy() if _is_metric(node) else node)
        projections += [metric, exp.func("COALESCE", fails, exp.false())]
    needed = base_columns(entity, checks)
    return (
        exp.select(*projections)
        .from_("m")
        .with_(BASE, as_=base_select(entity, entity.name, needed))
        .with_("m", as_=exp.select(*metrics).from_(BASE))
    )


def run_table_checks(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    checks: Sequence[Check],
    now: datetime,
) -> tuple[dict[str, TableOutcome], dict[str, str]]:
    """Outcomes by check name, and error messages of checks that could not run."""
    if not checks:
        return {}, {}
    try:
        return _execute(con, entity, checks, now), {}
    except duckdb.Error:
        outcomes: dict[str, TableOutcome] = {}
        errors: dict[str, str] = {}
        for check in checks:
            try:
                outcomes.update(_execute(con, entity, [check], now))
            except duckdb.Error as error:
                errors[check.name] = str(error)
        return outcomes, errors


def _execute(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: Sequence[Check], now: datetime
) -> dict[str, TableOutcome]:
    row = con.execute(table_query(entity, checks, now).sql(dialect="duckdb")).fetchone()
    assert row is not None  # an aggregate without GROUP BY always yields one row
    return table_outcomes(checks, row)


def table_outcomes(checks: Sequence[Check], row: Sequence[object]) -> dict[str, TableOutcome]:
    """Outcomes by check name from the row of ``table_query`` (metric, fails per check)."""
    return {
        check.name: (_number(row[2 * i]), bool(row[2 * i + 1])) for i, check in enumerate(checks)
    }


def _number(value: object) -> float | None:
    """A metric as float; databases return ints, floats or decimals."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    raise TypeError(f"a table check's metric is not a number: {value!r}")


def _is_metric(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and not node.table and node.name == "metric"


def _with_now(metric: exp.Expr, now: datetime) -> exp.Expr:
    """Replace the ``$now`` placeholder by the run's reference time (UTC, no zone)."""
    utc = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    stamp = exp.cast(exp.Literal.string(utc.isoformat(sep=" ")), "TIMESTAMP")

    def _replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name == NOW:
            return stamp.copy()
        return node

    return metric.copy().transform(_replace)
