"""A validation run in idempotent phases keyed by a run id given from outside.

``start_run`` records a ``queued`` run with its plan and steps; ``read_view`` archives one
view as a snapshot; ``validate_entity`` validates one entity from the archive, writes its
failure file and replaces its stored results; ``finish_run`` merges, scores, flags anomalies
and only then marks the run ``completed``. Repeating a phase leaves one set of results, so a
killed run shows as ``running`` with its progress and :func:`resume_run` completes it.
:func:`run_now` does every phase in this process (the CLI, the embedded default).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from vmsdq.core.errors import ConflictError, NotFoundError, TransientError
from vmsdq.core.results import EntityResult, RunResult
from vmsdq.core.words import RunStatus
from vmsdq.services import alerts, audit, run_steps, unstored
from vmsdq.services.context import Context
from vmsdq.services.lookup import resolve, stored_run, summary
from vmsdq.services.plan import RunPlan, plan_run, typed_project
from vmsdq.services.pushdown import pushdown_of
from vmsdq.services.scores import scores_as_run
from vmsdq.services.sources import RunSources
from vmsdq.store.artifacts import checked
from vmsdq.store.db import StoreUnavailableError
from vmsdq.store.pages import Page
from vmsdq.store.records import RunSummary, StepRecord

Progress = Callable[[str, str], None]  # (entity or view, phase)
READ, VALIDATE = run_steps.READ, run_steps.VALIDATE
DONE = (str(RunStatus.completed), str(RunStatus.failed))


def new_run_id(now: datetime) -> str:
    """Sortable, unique run id: UTC timestamp plus a random suffix."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def start_run(
    ctx: Context,
    *,
    run_id: str | None = None,
    entities: Sequence[str] | None = None,
    from_run: str | None = None,
    now: datetime | None = None,
) -> str:
    """Record a queued run of ``entities`` (default all) with its plan; returns its id.

    Starting an id that this project already has changes nothing (a retried start).
    ``from_run`` re-validates that run's snapshots instead of reading the sources; ``now``
    fixes the run's clock (simulated history).
    """
    ctx.require("run")
    started = now or ctx.clock()
    run_id = checked(run_id or new_run_id(started), "run id")
    if from_run is not None and not ctx.artifacts.snapshot_views(checked(from_run, "run id")):
        raise NotFoundError(f"run '{from_run}' has no stored snapshots to re-validate")
    plan, types, notes = _plan_with_pushdown(ctx, run_id, entities, from_run)
    document = {
        "entities": [p.entity for p in plan.entities],
        "reads": [v.name for v in plan.reads],
        "from_run": from_run,
        "fixed_clock": now is not None,
        "column_types": types,
        "type_notes": notes,
    }
    steps = [{"kind": READ, "name": v.name, "rules_total": 0} for v in plan.reads]
    steps += [{"kind": VALIDATE, "name": p.entity, "rules_total": p.rules} for p in plan.entities]
    ctx.repos.runs.create(run_id, started, document, steps)
    audit.record(ctx, "run.start", run_id, entities=document["entities"], from_run=from_run)
    run_steps.checkpoint("started")
    return run_id


def read_view(
    ctx: Context,
    run_id: str,
    view: str,
    *,
    sources: RunSources | None = None,
    retry_transient: bool = False,
) -> None:
    """Read one view of the run into its archive (nothing when already read).

    A source that fails marks only this step failed, with the reason; with
    ``retry_transient`` a transient failure is raised instead (the job retries it).
    """
    ctx.require("run")
    start = _step_start(ctx, run_id, READ, view)
    if not _should_run(start):
        return
    plan = start.plan
    run_steps.begin(ctx, run_id, READ, view, start.state)
    try:
        if plan.get("from_run"):
            rows = run_steps.copy_view(ctx, plan["from_run"], run_id, view)
        elif sources is not None:
            rows = run_steps.read_into_archive(ctx, sources, run_id, view)
        else:
            with RunSources(ctx, run_id) as own:
                rows = run_steps.read_into_archive(ctx, own, run_id, view)
    except TransientError as exc:
        if retry_transient:
            run_steps.requeue(ctx, run_id, READ, view, str(exc))
            raise
        run_steps.fail(ctx, run_id, READ, view, exc)
    except Exception as exc:  # noqa: BLE001 (any failure of one source is that view's error)
        run_steps.fail(ctx, run_id, READ, view, exc)
    else:
        run_steps.checkpoint("read")
        ctx.repos.steps.finish(run_id, READ, view, "completed", ctx.clock(), rows=rows)


def validate_entity(
    ctx: Context,
    run_id: str,
    entity: str,
    *,
    progress: Progress | None = None,
    done: dict[str, EntityResult] | None = None,
) -> None:
    """Validate one entity from the run's archive and replace its stored results (``done``
    gets the result as soon as it is computed, before the store is written)."""
    ctx.require("run")
    start = _step_start(ctx, run_id, VALIDATE, entity, step_needed=False)
    plan = start.plan
    if entity not in plan["entities"]:
        raise NotFoundError(f"run '{run_id}' does not validate entity '{entity}'")
    if not _should_run(_step_start(ctx, run_id, VALIDATE, entity, known=start)):
        return
    run_steps.begin(ctx, run_id, VALIDATE, entity, start.state)
    result = run_steps.validate(ctx, run_id, entity, start.state.started_at, plan, progress)
    if done is not None:
        done[entity] = result
    run_steps.checkpoint("validated")
    ctx.repos.results.save_entity(run_id, plan["entities"].index(entity), result)
    run_steps.checkpoint("saved")
    ctx.repos.runs.refresh_counts(run_id)
    ctx.repos.steps.finish(
        run_id,
        VALIDATE,
        entity,
        "completed",
        ctx.clock(),
        rows=result.rows,
        rules_done=len(result.rules),
        message=result.message,
    )


def finish_run(ctx: Context, run_id: str) -> RunResult:
    """Score the run and mark it completed (once every step is done); repeating is harmless."""
    ctx.require("run")
    summary = _summary(ctx, run_id)
    if summary.status in (RunStatus.completed, RunStatus.cancelled):
        return get_run(ctx, run_id)
    pending = [s.name for s in ctx.repos.steps.list(run_id) if s.status not in DONE]
    if pending:
        raise ConflictError(
            f"run '{run_id}' cannot finish: {len(pending)} steps are not done "
            f"({', '.join(pending[:5])}); resume it with `vmsdq runs resume {run_id}`"
        )
    # entities validated in parallel each recount the run as they are saved, and two
    # recounts can cross (each counting before the other's save is visible): once every step
    # is done, one recount makes the stored counts final
    ctx.repos.runs.refresh_counts(run_id)
    run = run_steps.finish(ctx, run_id, _plan(ctx, run_id), summary)
    alerts.after_run(ctx, run)  # alert rules and webhook events; never raises
    return run


def run_now(
    ctx: Context,
    *,
    entities: Sequence[str] | None = None,
    from_run: str | None = None,
    now: datetime | None = None,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Start, read, validate and finish a run in this process; returns it, scored."""
    run_id = start_run(ctx, run_id=run_id, entities=entities, from_run=from_run, now=now)
    return resume_run(ctx, run_id, progress=progress)


def resume_run(ctx: Context, run_id: str, *, progress: Progress | None = None) -> RunResult:
    """Do what is left of a run (steps not done, then finish); Ctrl-C cancels it.

    A results database that goes away meanwhile does not lose the run: it is finished in
    memory and :class:`~vmsdq.services.unstored.RunNotStoredError` carries it, scored.
    """
    plan = _plan(ctx, run_id)
    state = run_steps.run_state(ctx, run_id)
    done: dict[str, EntityResult] = {}
    try:
        try:
            _do_steps(ctx, run_id, plan, progress, done)
            if _summary(ctx, run_id).status == RunStatus.cancelled:
                return get_run(ctx, run_id)
            if progress is not None:
                progress("run", "scoring")
            return finish_run(ctx, run_id)
        except StoreUnavailableError as exc:
            if ctx.scratch or state is None:
                raise
            started = state.started_at
            raise _finish_in_memory(ctx, run_id, plan, started, done, exc, progress) from None
    except KeyboardInterrupt:
        cancel_run(ctx, run_id, reason="interrupted (Ctrl-C)")
        raise


def _do_steps(
    ctx: Context,
    run_id: str,
    plan: dict[str, Any],
    progress: Progress | None,
    done: dict[str, EntityResult] | None = None,
) -> None:
    """Read the views and validate the entities that are not done yet."""
    with RunSources(ctx, run_id) as sources:
        for view in plan["reads"]:
            if progress is not None:
                progress(view, "read")
            read_view(ctx, run_id, view, sources=sources)
    for entity in plan["entities"]:
        validate_entity(ctx, run_id, entity, progress=progress, done=done)


def _finish_in_memory(
    ctx: Context,
    run_id: str,
    plan: dict[str, Any],
    started: datetime,
    done: dict[str, EntityResult],
    cause: StoreUnavailableError,
    progress: Progress | None,
) -> unstored.RunNotStoredError:
    """The run finished and scored without its results database (kept files, no alerts)."""
    scratch = unstored.in_memory(ctx, run_id, plan, started, done)
    _do_steps(scratch, run_id, plan, progress)
    run = run_steps.finish(scratch, run_id, plan, _summary(scratch, run_id), keep_files=True)
    return unstored.not_stored(ctx, run, cause)


def cancel_run(ctx: Context, run_id: str, *, reason: str = "cancelled") -> RunSummary:
    """Mark a run that has not finished cancelled; its remaining steps will not run."""
    ctx.require("run")
    summary = _summary(ctx, run_id)
    if not RunStatus(summary.status).finished:
        ctx.repos.runs.set_status(
            run_id, RunStatus.cancelled, ctx.clock(), message=reason, finished_at=ctx.clock()
        )
        audit.record(ctx, "run.cancel", run_id, reason=reason)
    return _summary(ctx, run_id)


def get_run(ctx: Context, run_id: str) -> RunResult:
    """A stored run with its results (and its scores as run, when scored)."""
    found = stored_run(ctx, run_id)
    if found.status == RunStatus.completed and found.config_version is not None:
        found.scores = scores_as_run(ctx, found)
    return found


def _plan_with_pushdown(
    ctx: Context, run_id: str, entities: Sequence[str] | None, from_run: str | None
) -> tuple[RunPlan, dict[str, dict[str, str]], list[str]]:
    """The run's plan, with field types completed from the source's schema (re-validating:
    the types that run had), the column types and the notes on declared types they
    contradict. Rows the source's database checks itself are not read."""
    if from_run is not None:
        types = (ctx.repos.runs.plan(from_run) or {}).get("column_types") or {}
        return plan_run(typed_project(ctx, types), entities), types, []
    with RunSources(ctx, run_id) as sources:
        types, notes = sources.column_types()
        pushdown = pushdown_of(sources)
        local = pushdown.local_part if pushdown else None
        return plan_run(typed_project(ctx, types), entities, local), types, notes


def _summary(ctx: Context, run_id: str) -> RunSummary:
    return summary(ctx, run_id)


def _plan(ctx: Context, run_id: str) -> dict[str, Any]:
    found = ctx.repos.runs.plan(checked(run_id, "run id"))
    if found is None:
        raise NotFoundError(f"run '{run_id}' is not in the results database")
    return found


def _step_start(
    ctx: Context,
    run_id: str,
    kind: str,
    name: str,
    *,
    step_needed: bool = True,
    known: run_steps.StepStart | None = None,
) -> run_steps.StepStart:
    """The run's state, plan and step in one read (every task starts with it)."""
    found = known or run_steps.step_start(ctx, checked(run_id, "run id"), kind, name)
    if found is None:
        raise NotFoundError(f"run '{run_id}' is not in the results database")
    if step_needed and found.step is None:
        raise NotFoundError(f"run '{run_id}' has no step {kind} '{name}'")
    return found


def _should_run(start: run_steps.StepStart) -> bool:
    return start.step not in DONE and start.state.status != RunStatus.cancelled


def list_runs(
    ctx: Context,
    *,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page[RunSummary]:
    """Runs newest first, filtered by status and start time, one page at a time."""
    ctx.require("read")
    if status is not None:
        status = str(RunStatus(status))
    return ctx.repos.runs.page(status=status, since=since, until=until, cursor=cursor, limit=limit)


def progress(ctx: Context, run_id: str) -> tuple[RunSummary, list[StepRecord]]:
    """A run's status and its steps with their progress (live while it runs)."""
    ctx.require("read")
    run_id = resolve(ctx, run_id)
    return _summary(ctx, run_id), ctx.repos.steps.list(run_id)


def import_run(ctx: Context, run: RunResult) -> RunResult:
    """Store a run computed elsewhere (its entity and rule results) and score it."""
    ctx.require("run")
    names = [e.entity for e in run.entities]
    steps = [{"kind": VALIDATE, "name": n, "rules_total": 0} for n in names]
    plan = {"entities": names, "reads": [], "from_run": None, "fixed_clock": True}
    ctx.repos.runs.create(checked(run.run_id, "run id"), run.started_at, plan, steps)
    for position, entity in enumerate(run.entities):
        ctx.repos.results.save_entity(run.run_id, position, entity)
        ctx.repos.steps.finish(
            run.run_id,
            VALIDATE,
            entity.entity,
            "completed",
            ctx.clock(),
            rows=entity.rows,
            rules_done=len(entity.rules),
        )
    ctx.repos.runs.refresh_counts(run.run_id)
    audit.record(ctx, "run.import", run.run_id)
    return finish_run(ctx, run.run_id)
