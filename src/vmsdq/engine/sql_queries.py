"""The SQL a database runs for one entity: row-check counts, flagged rows, table metrics.

Built from the same SQLGlot trees as the DuckDB backend (``plan.flags_select``,
``tables.table_query``), rewritten for the database by ``sql_dialect``. Nothing runs here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlglot import exp

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.engine.backend import Capabilities
from vmsdq.engine.plan import KEY, RowPlan, flags_select
from vmsdq.engine.sql_dialect import Columns, for_database, to_sql
from vmsdq.engine.tables import table_query


@dataclass(frozen=True)
class Database:
    """Where an entity's checks run: capabilities, view -> table, tables' real columns, and
    the fields whose column has another name (view -> field -> column)."""

    caps: Capabilities
    tables: Mapping[str, str]
    columns: Columns
    renames: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RowQueries:
    """``counts``: rows, then per check rows evaluated and rows failed.
    ``flagged``: key, flags and value columns of every row some check failed."""

    plan: RowPlan
    counts: str
    flagged: str


def row_queries(entity: CompiledEntity, checks: Sequence[Check], db: Database) -> RowQueries:
    """The two queries of the row checks (``UnsafeCastError`` when a cast is unsafe)."""
    plan = RowPlan(list(checks))
    flags = for_database(
        flags_select(plan, entity, entity.name), db.caps, db.tables, db.columns, db.renames
    )
    assert isinstance(flags, exp.Select)
    subquery = flags.subquery("f")
    counts: list[exp.Expr] = [exp.Count(this=exp.Star())]
    for i in range(len(checks)):
        flag = exp.column(f"c{i}", quoted=True)
        failed = exp.Case(ifs=[exp.If(this=flag.copy(), true=exp.Literal.number(1))])
        counts += [exp.Count(this=flag), exp.Sum(this=failed)]
    columns = [KEY, *(f"c{i}" for i in range(len(checks))), *plan.values.values()]
    flagged = exp.select(*[exp.column(c, quoted=True) for c in columns]).from_(subquery.copy())
    if checks:
        flagged = flagged.where(
            exp.or_(*[exp.column(f"c{i}", quoted=True) for i in range(len(checks))])
        )
    else:
        flagged = flagged.where(exp.false())
    return RowQueries(
        plan,
        to_sql(exp.select(*counts).from_(subquery), db.caps),
        to_sql(flagged, db.caps),
    )


def table_sql(entity: CompiledEntity, checks: Sequence[Check], now: datetime, db: Database) -> str:
    """One row: per table check its metric, then whether it fails."""
    query = table_query(entity, checks, now)
    return to_sql(for_database(query, db.caps, db.tables, db.columns, db.renames), db.caps)
