"""Row checks of one entity: one scan into the flags table, one aggregate for the counts.

When the combined query fails, each check is tried alone to find the broken ones; those get
an error message and the rest run together again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
from sqlglot import exp

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.engine.plan import RowPlan, counts_select, create_flags, flags_select


@dataclass
class RowOutcome:
    plan: RowPlan
    rows: int
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> evaluated, failed
    errors: dict[str, str] = field(default_factory=dict)


def run_row_checks(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: Sequence[Check]
) -> RowOutcome:
    """Materialise the flags table for ``checks`` and count evaluated / failed rows."""
    errors: dict[str, str] = {}
    plan = RowPlan(list(checks))
    try:
        _materialise(con, entity, plan)
    except duckdb.Error:
        errors = _broken(con, entity, checks)
        plan = RowPlan([c for c in checks if c.name not in errors])
        _materialise(con, entity, plan)
    row = con.execute(counts_select(len(plan.checks)).sql(dialect="duckdb")).fetchone()
    assert row is not None
    counts = {
        check.name: (
            int(row[1 + 2 * i] or 0),
            int(row[2 + 2 * i] or 0),
        )  # COUNT_IF(all NULL) is NULL
        for i, check in enumerate(plan.checks)
    }
    return RowOutcome(plan, int(row[0]), counts, errors)


def flags_sql(entity: CompiledEntity, checks: Sequence[Check]) -> str:
    """The statement materialising the flags table, for reading and debugging."""
    return create_flags(flags_select(RowPlan(list(checks)), entity, entity.name)).sql(
        dialect="duckdb", pretty=True
    )


def _materialise(con: duckdb.DuckDBPyConnection, entity: CompiledEntity, plan: RowPlan) -> None:
    statement = create_flags(flags_select(plan, entity, entity.name))
    con.execute(statement.sql(dialect="duckdb"))


def _broken(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: Sequence[Check]
) -> dict[str, str]:
    """Error message per check that fails on its own (bind or run time)."""
    errors: dict[str, str] = {}
    for check in checks:
        try:
            _materialise(con, entity, RowPlan([check]))
        except duckdb.Error as error:
            errors[check.name] = str(error)
    return errors


def drop_flags(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(exp.Drop(tables=[exp.to_table("__flags")], kind="TABLE", exists=True).sql("duckdb"))
