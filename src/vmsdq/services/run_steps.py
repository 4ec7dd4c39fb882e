"""The work inside each phase of a run (see ``runs``): reading, validating, finishing."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from vmsdq.checks.model import CompiledEntity
from vmsdq.core.errors import ConfigError, SourceError, VmsdqError
from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Outcome, RunStatus, ViewRef, ViewRole
from vmsdq.engine import planner
from vmsdq.services import incremental
from vmsdq.services.anomalies import detect_for_run
from vmsdq.services.changes import apply_changes
from vmsdq.services.context import Context
from vmsdq.services.plan import EntityPlan, plan_run, typed_project, views_read
from vmsdq.services.pushdown import pushdown_of
from vmsdq.services.reference import reference_snapshots, with_reference_errors
from vmsdq.services.scores import save_as_run, score
from vmsdq.services.settings import record_in_force
from vmsdq.services.sources import RunSources
from vmsdq.store.db import StoreUnavailableError
from vmsdq.store.records import RunSummary

READ, VALIDATE = "read", "validate"


@dataclasses.dataclass(frozen=True)
class RunState:
    """What a task checks before and while it works: a single-row read of the run, without
    the score join of a summary (every task of a run does this several times)."""

    status: str
    message: str
    started_at: datetime


def run_state(ctx: Context, run_id: str) -> RunState | None:
    from sqlalchemy import select

    from vmsdq.store.models import Run

    query = select(Run.status, Run.message, Run.started_at).where(Run.id == run_id)
    with ctx.repos.runs.session() as s:
        found = s.execute(query).first()
    return RunState(found[0], found[1] or "", found[2]) if found is not None else None


@dataclasses.dataclass(frozen=True)
class StepStart:
    """A run's state, its plan and one step's status, read in one query when a task starts."""

    state: RunState
    plan: dict[str, Any]
    step: str | None  # the step's status (None: the run has no such step)


def step_start(ctx: Context, run_id: str, kind: str, name: str) -> StepStart | None:
    from sqlalchemy import and_, select

    from vmsdq.store.models import Run, RunStep

    step = and_(RunStep.run_id == Run.id, RunStep.kind == kind, RunStep.name == name)
    query = (
        select(Run.status, Run.message, Run.started_at, Run.plan, RunStep.status)
        .outerjoin(RunStep, step)
        .where(Run.id == run_id)
    )
    with ctx.repos.runs.session() as s:
        found = s.execute(query).first()
    if found is None:
        return None
    state = RunState(found[0], found[1] or "", found[2])
    return StepStart(state, dict(found[3] or {}), found[4])


def begin(ctx: Context, run_id: str, kind: str, name: str, state: RunState | None = None) -> None:
    """Mark the step running (and the run, unless it already is)."""
    now = ctx.clock()
    state = state or run_state(ctx, run_id)
    if state is not None and state.status != RunStatus.running:
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
    project = typed_project(ctx, plan.get("column_types") or {})
    entity_plan = plan_run(project, [entity]).entity(entity)
    try:
        with RunSources(ctx, run_id) as sources:
            result = _validate(ctx, sources, run_id, entity_plan, started, plan, progress)
        apply_changes(ctx, entity_plan.compiled, result, started)
        return result
    except StoreUnavailableError:
        raise  # the run's error, not the entity's
    except Exception as exc:  # noqa: BLE001 (one entity's failure is its own result)
        return _errored(entity_plan, f"entity '{entity}' could not be validated: {describe(exc)}")


def _validate(
    ctx: Context,
    sources: RunSources,
    run_id: str,
    plan: EntityPlan,
    started: datetime,
    run_plan: dict[str, Any],
    progress: Callable[[str, str], None] | None,
) -> EntityResult:
    """Push what the source's database can run, run the rest in DuckDB from the archive."""
    from vmsdq.engine.duckdb_backend import DuckDBBackend

    if plan.error:
        return EntityResult(entity=plan.entity, rows=0, status="error", message=plan.error)
    failures = ctx.artifacts.failures_dir(run_id)
    own, *helpers = plan.compiled
    pushdown = None if run_plan.get("from_run") else pushdown_of(sources)
    pushed, local_own = pushdown.run(own, failures, started) if pushdown else (None, own)
    local = ([local_own] if local_own is not None else []) + helpers
    snapshots, errors = _inputs(ctx, sources, run_id, plan.entity, views_read(ctx.project, local),
                                live=not run_plan.get("from_run"))  # fmt: skip
    references, reference_errors = reference_snapshots(ctx, run_id, local, started)
    snapshots |= references
    blocked = {c.name: why for c in local if (why := _blocked(c, errors)) is not None}
    runnable = [c for c in local if c.name not in blocked]
    backend = DuckDBBackend.from_spec(ctx.project.spec.engine, root=Path(ctx.project.root))
    results = backend.validate(
        runnable, snapshots, failures_dir=failures, now=started, progress=progress,
        state_dir=incremental.state_dir(ctx),
    )  # fmt: skip
    results += [_errored_checks(c, blocked[c.name]) for c in local if c.name in blocked]
    results = with_reference_errors(results, reference_errors)
    return merge(plan.entity, _own_result(own, pushed, results) + [
        r for r in results if r.entity != own.name])  # fmt: skip


def _own_result(
    own: CompiledEntity, pushed: EntityResult | None, results: list[EntityResult]
) -> list[EntityResult]:
    """The entity's own result: pushed, local, or both merged into one (and one file)."""
    local = next((r for r in results if r.entity == own.name), None)
    if pushed is None:
        return [local] if local is not None else []
    if local is None:
        return [pushed]
    return [planner.merge(own, pushed, local)]


def _blocked(compiled: CompiledEntity, errors: dict[str, str]) -> str | None:
    """Why a compiled entity cannot run at all: its rows, or (reconciliation) the other
    system's rows, could not be read. A missing reference target errors only the checks
    that read it (the engine says which)."""
    views = [_own_view(compiled)]
    if ViewRef.parse(compiled.name).role is not ViewRole.own:
        views += list(compiled.needs)
    return next((errors[v] for v in views if v in errors), None)


def _own_view(compiled: CompiledEntity) -> str:
    """The view a compiled entity's rows come from (``x__reconcile`` reads ``x``)."""
    ref = ViewRef.parse(compiled.name)
    return ref.entity if ref.role is ViewRole.reconcile else ref.name


def _inputs(
    ctx: Context,
    sources: RunSources,
    run_id: str,
    entity: str,
    views: tuple[ViewRef, ...],
    *,
    live: bool,
) -> tuple[dict[str, Snapshot], dict[str, str]]:
    """The archived snapshots the checks read, and why missing ones are missing. A view the
    plan did not read (checks the database was to run came back) is read now when ``live``."""
    snapshots: dict[str, Snapshot] = {}
    errors: dict[str, str] = {}
    for view in views:
        snap = ctx.artifacts.snapshot(run_id, view.name)
        step = ctx.repos.steps.get(run_id, READ, view.name)
        if snap is None and step is None and live:
            try:
                snap = ctx.artifacts.archive(run_id, view.name, sources.read(view))
            except Exception as exc:  # noqa: BLE001 (that view's error, as in read_view)
                errors[view.name] = describe(exc)
                continue
        if snap is not None:
            snapshots[view.name] = snap
            continue
        errors[view.name] = (step.message if step and step.message else
                             f"entity '{view.entity}' was not read in this run")  # fmt: skip
    own = snapshots.get(entity)
    if own is not None:  # our rows seen by reconciliation; quarantined records counted once
        snapshots[ViewRef(entity, ViewRole.reconcile).name] = dataclasses.replace(own, rejects=[])
    return snapshots, errors


def merge(entity: str, results: list[EntityResult]) -> EntityResult:
    """One result per entity: its own result, plus the rules (and errors) of its helpers."""
    own = next((r for r in results if r.entity == entity), None)
    target = own or EntityResult(entity=entity, rows=results[0].rows if results else 0)
    for r in results:
        if r is own:
            continue
        target.rules.extend(r.rules)
        target.seconds += r.seconds
        if r.message and r.status == "error" and r.message not in target.message:
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


def checkpoint(point: str) -> None:
    """Fault injection for the kill tests: ``VMSDQ_KILL_AT=<point>`` SIGKILLs the process at
    that point of a run (``started``, ``read``, ``validated``, ``saved``, ``scoring``,
    ``scored``, ``completed``), ``<point>:INT`` sends it SIGINT (Ctrl-C); unset, nothing."""
    wanted, _, how = os.environ.get("VMSDQ_KILL_AT", "").partition(":")
    if wanted == point:
        os.kill(os.getpid(), signal.SIGINT if how == "INT" else signal.SIGKILL)


def finish(
    ctx: Context,
    run_id: str,
    plan: dict[str, Any],
    summary: RunSummary,
    *,
    keep_files: bool = False,
) -> RunResult:
    """Score the stored results, flag anomalies, then mark the run completed (``keep_files``:
    its snapshots and scratch copies stay, for a resume into the results database)."""
    checkpoint("scoring")
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
        checkpoint("scored")
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
    checkpoint("completed")
    if keep_files:
        return run
    ctx.artifacts.drop_work(run_id)  # the sources' scratch copies; the archive keeps the rows
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
