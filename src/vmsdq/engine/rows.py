"""Row checks of one entity: one scan into the flags table, one aggregate for the counts.

When the combined query fails, each check is tried alone to find the broken ones; those get
an error message and the rest run together again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.engine import incremental
from vmsdq.engine.incremental import Incremental
from vmsdq.engine.plan import RowPlan, counts_select, create_flags, duckdb_sql, flags_select
from vmsdq.engine.sql_cache import SqlByObjects


@dataclass
class RowOutcome:
    plan: RowPlan
    rows: int
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> evaluated, failed
    errors: dict[str, str] = field(default_factory=dict)
    incremental: Incremental | None = None  # how it ran with a state folder (None: without)


def run_row_checks(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    checks: Sequence[Check],
    state: Path | None = None,
) -> RowOutcome:
    """Materialise the flags table for ``checks`` and count evaluated / failed rows.

    With a ``state`` folder (``vmsdq.engine.incremental``) only the rows a change since the
    state was left can affect are evaluated; any error runs every row as without one.
    """
    errors: dict[str, str] = {}
    plan = RowPlan(list(checks))
    mode = _with_state(con, entity, plan, state) if state is not None else None
    while mode is None:
        try:
            _materialise(con, entity, plan)
            break
        except duckdb.OutOfMemoryException:
            raise  # not a broken check: trying each alone would only repeat the work
        except duckdb.Error:
            broken = _broken(con, entity, plan.checks)
            if not broken:  # fails only in combination: the entity errors
                raise
            errors |= broken
            plan = RowPlan([c for c in plan.checks if c.name not in errors])
    totals = counts_select(len(plan.checks))
    row = con.execute(totals.sql(dialect="duckdb", copy=False)).fetchone()
    assert row is not None
    counts = {
        check.name: (
            int(row[1 + 2 * i] or 0),
            int(row[2 + 2 * i] or 0),
        )  # COUNT_IF(all NULL) is NULL
        for i, check in enumerate(plan.checks)
    }
    return RowOutcome(plan, int(row[0]), counts, errors, mode)


def _with_state(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, plan: RowPlan, state: Path
) -> Incremental | None:
    """The flags table from the state and the affected rows (all rows without a usable
    state), or None when a query fails (the caller finds the broken checks)."""
    if incremental.time_dependent(plan.checks):
        return None  # flags that move with the clock: every row, and no state kept
    digest = incremental.digest_of(entity, plan)
    try:
        stored = incremental.usable(state, digest)
        if stored is not None:
            return incremental.run_affected(con, entity, plan, stored, digest)
        return incremental.run_full(con, entity, plan, digest)
    except duckdb.Error:
        incremental.drop(con, plan)
        return None


def flags_sql(entity: CompiledEntity, checks: Sequence[Check]) -> str:
    """The statement materialising the flags table, for reading and debugging."""
    return create_flags(flags_select(RowPlan(list(checks)), entity, entity.name)).sql(
        dialect="duckdb", pretty=True
    )


def _materialise(con: duckdb.DuckDBPyConnection, entity: CompiledEntity, plan: RowPlan) -> None:
    con.execute(_flags_statement(entity, plan))


STATEMENTS_KEPT = 256
_STATEMENTS = SqlByObjects(STATEMENTS_KEPT)


def _flags_statement(entity: CompiledEntity, plan: RowPlan) -> str:
    """The SQL materialising the flags table, generated once per compiled entity and checks
    (``engine.sql_cache``)."""
    return _STATEMENTS.get(
        (entity, *plan.checks),
        lambda: duckdb_sql(create_flags(flags_select(plan, entity, entity.name))),
    )


def _broken(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: Sequence[Check]
) -> dict[str, str]:
    """Error message per check that fails on its own.

    Binding each check (LIMIT 0) finds unknown functions and bad types without scanning;
    only when none fails to bind is each check run in full (errors raised by data, such as
    a failing CAST).
    """
    errors = _failing(con, entity, checks, bind_only=True)
    return errors or _failing(con, entity, checks, bind_only=False)


def bind_errors(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: Sequence[Check]
) -> dict[str, str]:
    """Why each row check does not bind (types, functions, invalid SQL) against the views
    registered on ``con``, reading no row."""
    return _failing(con, entity, [c for c in checks if c.scope == "row"], bind_only=True)


def _failing(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    checks: Sequence[Check],
    *,
    bind_only: bool,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for check in checks:
        select = flags_select(RowPlan([check]), entity, entity.name)
        try:
            if bind_only:
                con.execute(select.limit(0).sql(dialect="duckdb")).fetchall()
            else:
                _materialise(con, entity, RowPlan([check]))
        except duckdb.Error as error:
            errors[check.name] = engine_error(error)
    return errors


def engine_error(error: Exception) -> str:
    """DuckDB's message without the candidate list and the generated SQL it quotes."""
    lines = [line.strip() for line in str(error).strip().splitlines()]
    return next((line for line in lines if line), type(error).__name__)


def drop_flags(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(exp.Drop(tables=[exp.to_table("__flags")], kind="TABLE", exists=True).sql("duckdb"))
