"""The work inside each phase of a run (see ``runs``): reading, validating, finishing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from vmsdq.checks.model import CompiledEntity
from vmsdq.core.errors import ConfigError, SourceError, VmsdqError
from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Outcome, RunStatus, ViewRef, ViewRole
from vmsdq.services.anomalies import detect_for_run
from vmsdq.services.context import Context
from vmsdq.services.plan import EntityPlan, plan_run
from vmsdq.services.scores import save_as_run, score
from vmsdq.services.settings import record_in_force
from vmsdq.services.sources import RunSources
from vmsdq.store.records import RunSummary

READ, VALIDATE = "read", "validate"


def begin(ctx: Context, run_id: str, kind: str, name: str) -> None:
    now = ctx.clock()
    if ctx.repos.runs.summary(run_id) is not None:
        ctx.repos.runs.set_status(run_id, RunStatus.running, now)
    ctx.repos.steps.start(run_id, kind, name, now)


def fail(ctx: Context, run_id: str, kind: str, name: str, exc: BaseException) -> None:
    ctx.repos.steps.finish(run_id, kind, name, "failed", ctx.clock(), message=describe(exc))


def requeue(ctx: Context, run_id: str, kind: str, name: str, message: str) -> None:
    ctx.repos.steps.finish(run_id, kind, name, "queued", ctx.clock(), message=message)


def describe(exc: BaseException) -> str:
    """An error as users read it: our own errors as they are, others with their type."""
    if isinstance(exc, VmsdqError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


def read_into_archive(ctx: Context, sources: RunSources, run_id: str, view: str) -> int:
    snap = ctx.artifacts.archive(run_id, view, sources.read(ViewRef.parse(view)))
    return int(snap.meta.get("rows", 0))


def copy_view(ctx: Context, from_run: str, run_id: str, view: str) -> int:
    snap = ctx.artifacts.copy_snapshot(from_run, run_id, view)
    if snap is None:
        raise SourceError(f"run '{from_run}' holds no snapshot of '{view}'")
    return int(snap.meta.get("rows", 0))


def validate(
    ctx: Context,
    run_id: str,
    entity: str,
    started: datetime,
    plan: dict[str, Any],
    progress: Callable[[str, str], None] | None,
) -> EntityResult:
    """The entity's result; any failure becomes the entity's error, never an escape."""
    entity_plan = plan_run(ctx.project, [entity]).entity(entity)
    try:
        return _validate(ctx, run_id, entity_plan, started, plan, progress)
    except Exception as exc:  # noqa: BLE001 (one entity's failure is its own result)
        return _errored(entity_plan, f"entity '{entity}' could not be validated: {describe(exc)}")


def _validate(
    ctx: Context,
    run_id: str,
    plan: EntityPlan,
    started: datetime,
    run_plan: dict[str, Any],
    progress: Callable[[str, str], None] | None,
) -> EntityResult:
    from vmsdq.engine.duckdb_backend import DuckDBBackend

    if plan.error:
        return EntityResult(entity=plan.entity, rows=0, status="error", message=plan.error)
    snapshots, errors = _inputs(ctx, run_id, plan)
    compiled = list(plan.compiled)
    pushed: list[EntityResult] = []
    failures = ctx.artifacts.failures_dir(run_id)
    if not run_plan.get("from_run"):
        compiled, pushed = _pushdown(ctx, compiled, failures)
    blocked = {c.name: errors[_own_view(c)] for c in compiled if _own_view(c) in errors}
    runnable = [c for c in compiled if c.name not in blocked]
    results = DuckDBBackend().validate(
        runnable, snapshots, run_id=run_id, failures_dir=failures, now=started, progress=progress
    )
    errored = [_errored_checks(c, blocked[c.name]) for c in compiled if c.name in blocked]
    return merge(plan.entity, errored + results + pushed)


def _own_view(compiled: CompiledEntity) -> str:
    """The view a compiled entity's rows come from (``x__reconcile`` reads ``x``)."""
    ref = ViewRef.parse(compiled.name)
    return ref.entity if ref.role is ViewRole.reconcile else ref.name


def _inputs(
    ctx: Context, run_id: str, plan: EntityPlan
) -> tuple[dict[str, Snapshot], dict[str, str]]:
    """The archived snapshots the entity's checks read, and why missing ones are missing."""
    snapshots: dict[str, Snapshot] = {}
    errors: dict[str, str] = {}
    for view in plan.views:
        snap = ctx.artifacts.snapshot(run_id, view.name)
        if snap is not None:
            snapshots[view.name] = snap
            continue
        step = ctx.repos.steps.get(run_id, READ, view.name)
        errors[view.name] = (
            step.message
            if step and step.message
            else f"entity '{view.entity}' was not read in this run"
        )
    own = snapshots.get(plan.entity)
    if own is not None:  # our rows seen by reconciliation; quarantined records counted once
        snapshots[ViewRef(plan.entity, ViewRole.reconcile).name] = dataclasses.replace(
            own, rejects=[]
        )
    return snapshots, errors


def _pushdown(
    ctx: Context, compiled: list[CompiledEntity], failures: Path
) -> tuple[list[CompiledEntity], list[EntityResult]]:
    """Let a SQL source run what it can in the database (its capabilities decide)."""
    from vmsdq.run_pushdown import push, wants_pushdown

    with RunSources(ctx) as sources:
        source = sources.default
        if not wants_pushdown(source):
            return compiled, []
        return push(source, compiled, ctx.project.entities, failures)


def merge(entity: str, results: list[EntityResult]) -> EntityResult:
    """One result per entity: its own result, plus the rules (and errors) of its helpers."""
    own = next((r for r in results if r.entity == entity), None)
    target = own or EntityResult(entity=entity, rows=results[0].rows if results else 0)
    for r in results:
        if r is own:
            continue
        target.rules.extend(r.rules)
        target.seconds += r.seconds
        if r.message and (r.status == "error" or r.entity.endswith("__pushdown")):
            target.message = "; ".join(m for m in (target.message, r.message) if m)
        if not target.location:
            target.location = r.location
    return target


def _errored_checks(entity: CompiledEntity, message: str) -> EntityResult:
    """A compiled entity whose data could not be read: every one of its rules is an error."""
    rules = [RuleResult.for_check(c, Outcome.error, message) for c in entity.checks]
    return EntityResult(entity=entity.name, rows=0, rules=rules, status="error", message=message)


def _errored(plan: EntityPlan, message: str) -> EntityResult:
    rules = [
        RuleResult.for_check(c, Outcome.error, message) for e in plan.compiled for c in e.checks
    ]
    return EntityResult(entity=plan.entity, rows=0, rules=rules, status="error", message=message)


def finish(ctx: Context, run_id: str, plan: dict[str, Any], summary: RunSummary) -> RunResult:
    """Score the stored results, flag anomalies, then mark the run completed."""
    run = ctx.repos.runs.get(run_id)
    assert run is not None
    finished = summary.started_at if plan.get("fixed_clock") else ctx.clock()
    run.finished_at = finished
    ctx.repos.runs.set_sources(run_id, _sources(run))
    message = ""
    try:
        config = record_in_force(ctx)
        run.config_version = config.version
        run.scores = score(ctx, run, config)
        save_as_run(ctx, run.scores)
        detect_for_run(ctx, run_id, run.started_at, config.settings.analytics)
    except ConfigError as exc:
        run.scoring_error = message = f"not scored: {exc}"
    ctx.repos.runs.set_status(
        run_id,
        RunStatus.completed,
        ctx.clock(),
        finished_at=finished,
        config_version=run.config_version,
        message=message,
    )
    run.status = RunStatus.completed
    run.message = message
    if not ctx.project.spec.store.keep_snapshots:
        ctx.artifacts.drop_snapshots(run_id)
    return run


def _sources(run: RunResult) -> dict[str, Any]:
    return {
        "entities": {
            e.entity: {"location": e.location, "rows": e.rows, "rejected": e.rejected}
            for e in run.entities
        }
    }
