"""Validation of one entity: columns, strict values, row checks, table checks, failures."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from sqlglot import exp

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core.results import EntityResult, RuleResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Dimension, Outcome, Severity, ViewRef, ViewRole, outcome_for
from vmsdq.engine import incremental
from vmsdq.engine.failures import parseable_rule, write_failures
from vmsdq.engine.rows import RowOutcome, drop_flags, run_row_checks
from vmsdq.engine.rule_results import row_rule, table_rule
from vmsdq.engine.schema import Delivered, schema_results
from vmsdq.engine.strict import build_strict_table
from vmsdq.engine.tables import run_table_checks
from vmsdq.engine.views import missing_column


def validate_entity(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    snapshot: Snapshot | None,
    *,
    registered: Collection[str],
    register_error: str | None,
    failures_dir: Path,
    now: datetime,
    progress: Callable[[str, str], None] | None = None,
    state: Path | None = None,
    raise_out_of_memory: bool = False,
) -> EntityResult:
    """One entity's result; with a ``state`` folder its row checks run incrementally
    (``vmsdq.engine.incremental``) and leave the state for the next run. DuckDB running out
    of memory raises with ``raise_out_of_memory`` (the caller tries again with more)."""
    started = time.perf_counter()
    result = _checked_input(con, entity, snapshot, register_error)
    if result.status == "error" or snapshot is None:
        if snapshot is not None and register_error is None:  # what was delivered, even so
            delivered = _delivered(con, entity, snapshot)
            result.rules += schema_results(_schema_checks(entity.checks), delivered)
        return result
    try:
        run = _Run(registered, failures_dir, now, progress, state)
        _validate(con, entity, snapshot, result, run)
    except duckdb.Error as error:  # the entity's data cannot be scanned at all
        if raise_out_of_memory and isinstance(error, duckdb.OutOfMemoryException):
            raise
        result.status = "error"
        why = _out_of_memory(con) if isinstance(error, duckdb.OutOfMemoryException) else error
        result.message = f"entity '{entity.name}': cannot validate {snapshot.location}: {why}"
    result.seconds = time.perf_counter() - started
    return result


def _out_of_memory(con: duckdb.DuckDBPyConnection) -> str:
    """DuckDB's advice names its own SET statements; a user sets vmsdq.yaml's engine."""
    try:
        found = con.execute("SELECT current_setting('memory_limit')").fetchone()
        limit = f" ({found[0]})" if found else ""
    except duckdb.Error:
        limit = ""
    return (
        f"the engine ran out of memory under its limit{limit}: raise engine.memory_limit in "
        "vmsdq.yaml (e.g. 'engine: {memory_limit: 2GB}'), or lower engine.threads (an "
        "entity of thousands of rules needs more: 10,000 rules on 2 threads took about 1 GB)"
    )


@dataclass(frozen=True)
class _Run:
    registered: Collection[str]
    failures_dir: Path
    now: datetime
    progress: Callable[[str, str], None] | None
    state: Path | None


def _validate(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    snapshot: Snapshot,
    result: EntityResult,
    run: _Run,
) -> None:
    notify = run.progress or (lambda _entity, _stage: None)
    unavailable = {c.name: _unavailable(c, run.registered) for c in entity.checks}
    ready = [c for c in entity.checks if unavailable[c.name] is None]
    notify(entity.name, "strict values")
    strict_errors = _build_strict(con, entity, ready)
    ready = [c for c in ready if c.name not in strict_errors]
    notify(entity.name, "row checks")
    rows = run_row_checks(con, entity, [c for c in ready if c.scope == "row"], run.state)
    notify(entity.name, "table checks")
    tables, table_errors = run_table_checks(
        con, entity, [c for c in ready if c.scope == "table" and c.distribution is None], run.now
    )
    drift_errors: dict[str, str] = {}
    drift_checks = [c for c in ready if c.distribution is not None]
    if drift_checks:  # numpy and scipy only for a run with drift rules (issue #9)
        from vmsdq.engine.drift import run_drift_checks

        drifts, drift_errors, no_values = run_drift_checks(con, entity, drift_checks)
        tables |= drifts
        unavailable |= no_values
    messages = {**strict_errors, **rows.errors, **table_errors, **drift_errors}
    delivered = _delivered(con, entity, snapshot)
    schemas = {r.rule: r for r in schema_results(_schema_checks(ready), delivered)}
    for check in entity.checks:
        if check.name in schemas:
            result.rules.append(schemas[check.name])
            continue
        result.rules.append(_rule_result(check, rows, tables, messages, unavailable[check.name]))
    result.rows = rows.rows
    _add_parseable(result, snapshot)
    notify(entity.name, "failures")
    result.failures_path = _write(con, entity, snapshot, rows, run.failures_dir)
    if run.state is not None:
        _keep_state(con, rows, run.state)
    drop_flags(con)


def _schema_checks(checks: Collection[Check]) -> list[Check]:
    return [c for c in checks if c.scope == "schema"]


def _delivered(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, snapshot: Snapshot
) -> Delivered:
    """The columns the source delivered (``meta["delivered"]``, before it kept only the
    declared ones) under field names, else the view's; none when no schema check asks."""
    if not any(c.scope == "schema" for c in entity.checks):
        return []
    recorded = snapshot.meta.get("delivered")
    if recorded:
        back = {c.source_name: c.name for c in entity.columns}
        return [(back.get(str(name), str(name)), str(kind)) for name, kind in recorded]
    view = con.table(entity.name)
    return [(name, str(kind)) for name, kind in zip(view.columns, view.types, strict=True)]


def _keep_state(con: duckdb.DuckDBPyConnection, rows: RowOutcome, folder: Path) -> None:
    """Leave the state for the next incremental run; none when the checks ran without."""
    if rows.incremental is None or rows.errors:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        incremental.save(con, rows.plan, folder, rows.incremental.digest)
    incremental.drop(con, rows.plan)


def _checked_input(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    snapshot: Snapshot | None,
    register_error: str | None,
) -> EntityResult:
    location = snapshot.location if snapshot else ""
    result = EntityResult(entity=entity.name, rows=0, location=location)
    if snapshot is None:
        result.status, result.message = "error", f"entity '{entity.name}': no snapshot was read"
        return result
    result.rejected = len(snapshot.rejects)
    if register_error:
        result.status, result.message = "error", register_error
        return result
    missing = missing_column(con, entity, snapshot)
    if missing is not None:
        result.status, result.message = "error", str(missing)
    return result


def _unavailable(check: Check, registered: Collection[str]) -> str | None:
    """Why a check cannot run here (a view it reads was not read), or None."""
    for relation in check.relations:
        for table in relation.query.find_all(exp.Table):
            name = table.name
            if name.startswith("__") or name in registered:
                continue
            ref = ViewRef.parse(name)
            if ref.role is ViewRole.previous:
                return f"no previous snapshot of '{ref.entity}' (nothing to compare)"
            if ref.role is ViewRole.reference:
                return f"no reference run with a snapshot of '{ref.entity}' (nothing to compare)"
            return f"entity '{name}' was not read in this run"
    return None


def _build_strict(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: list[Check]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    built: set[str] = set()
    for check in checks:
        for strict in check.strict:
            if strict.table in built:
                continue
            try:
                build_strict_table(con, entity, strict)
                built.add(strict.table)
            except (duckdb.Error, ValueError) as error:
                errors[check.name] = f"strict validation failed: {error}"
    return errors


def _rule_result(
    check: Check,
    rows: RowOutcome,
    tables: dict[str, tuple[float | None, bool]],
    messages: dict[str, str],
    unavailable: str | None,
) -> RuleResult:
    result = RuleResult.for_check(check, Outcome.skipped)
    if unavailable is not None:
        is_previous = unavailable.startswith(("no previous", "no reference"))
        result.outcome = Outcome.skipped if is_previous else Outcome.error
        result.message = unavailable
    elif check.name in messages:
        result.outcome, result.message = Outcome.error, messages[check.name]
    elif check.scope == "table":
        return table_rule(check, *tables[check.name])
    else:
        return row_rule(check, *rows.counts[check.name])
    return result


def _add_parseable(result: EntityResult, snapshot: Snapshot) -> None:
    if not snapshot.rejects:
        return
    rejected = len(snapshot.rejects)
    evaluated = result.rows + rejected
    result.rules.append(
        RuleResult(
            rule=parseable_rule(result.entity),
            entity=result.entity,
            kind="parseable",
            dimension=Dimension.validity,
            severity=Severity.critical,
            weight=1.0,
            evaluated=evaluated,
            failed=rejected,
            outcome=outcome_for(Severity.critical, evaluated, rejected),
        )
    )


def _write(
    con: duckdb.DuckDBPyConnection,
    entity: CompiledEntity,
    snapshot: Snapshot,
    rows: RowOutcome,
    failures_dir: Path,
) -> str:
    failing = [i for i, c in enumerate(rows.plan.checks) if rows.counts[c.name][1] > 0]
    path = failures_dir / f"{entity.name}.parquet"
    write_failures(con, path, rows.plan, failing, snapshot.rejects, entity.name)
    return str(path)
