"""The units of a run's background work: one read, one validate, the finish.

The in-process pool (``executor.ThreadExecutor``) and the Celery tasks (``vmsdq.jobs``) call
these and nothing else, so progress, results, cancelling and metrics are the same wherever a
run executes. Each takes ids and returns a small JSON-able dict.
"""

from __future__ import annotations

import time
from typing import Any

from vmsdq.core.words import RunStatus
from vmsdq.services import alerts, metrics, run_steps, runs
from vmsdq.services.context import Context
from vmsdq.services.progress import RunStopped, StepTracker

STOPPED = (str(RunStatus.cancelled), str(RunStatus.failed))


def read(ctx: Context, run_id: str, view: str, *, retry: bool = False) -> dict[str, Any]:
    """Read one view; with ``retry`` a transient source error is raised (to retry later)."""
    if _stopped(ctx, run_id):
        return _skipped(run_id, "read", view)
    runs.read_view(ctx, run_id, view, retry_transient=retry)
    return _step(ctx, run_id, run_steps.READ, view)


def validate(ctx: Context, run_id: str, entity: str) -> dict[str, Any]:
    """Validate one entity; stops between engine stages when the run was stopped."""
    if _stopped(ctx, run_id):
        return _skipped(run_id, "validate", entity)
    started = time.perf_counter()
    try:
        runs.validate_entity(ctx, run_id, entity, progress=StepTracker(ctx, run_id, entity))
    except RunStopped as stop:
        ctx.repos.steps.finish(
            run_id, run_steps.VALIDATE, entity, "cancelled", ctx.clock(), message=str(stop)
        )
        return _skipped(run_id, "validate", entity)
    done = _step(ctx, run_id, run_steps.VALIDATE, entity)
    if done["status"] == "completed":
        metrics.entity_validated(entity, time.perf_counter() - started, int(done["rows"]))
    return done


def finish(ctx: Context, run_id: str) -> dict[str, Any]:
    """Score the run and mark it completed; ConflictError while steps are still running."""
    summary = ctx.repos.runs.summary(run_id)
    if summary is not None and summary.status in STOPPED:
        return {"run_id": run_id, "status": summary.status, "message": summary.message}
    run = runs.finish_run(ctx, run_id)
    if summary is not None and run.finished_at is not None:
        seconds = (run.finished_at - run.started_at).total_seconds()
        metrics.run_finished(str(run.status), seconds)
    return {
        "run_id": run_id,
        "status": str(run.status),
        "verdict": str(run.verdict()),
        "score": run.overall_score,
    }


def fail_run(ctx: Context, run_id: str, reason: str) -> bool:
    """Mark a run that has not finished failed with ``reason``; False when it had finished.

    Its running steps stop at their next stage; its queued steps never start.
    """
    summary = ctx.repos.runs.summary(run_id)
    if summary is None or RunStatus(summary.status).finished:
        return False
    now = ctx.clock()
    ctx.repos.runs.set_status(run_id, RunStatus.failed, now, message=reason, finished_at=now)
    metrics.run_finished(str(RunStatus.failed), (now - summary.started_at).total_seconds())
    alerts.after_run(ctx, runs.get_run(ctx, run_id))  # run.failed, run_failed alerts
    return True


def _stopped(ctx: Context, run_id: str) -> bool:
    state = run_steps.run_state(ctx, run_id)
    return state is not None and state.status in STOPPED


def _skipped(run_id: str, kind: str, name: str) -> dict[str, Any]:
    return {"run_id": run_id, "step": f"{kind} {name}", "status": "skipped", "rows": 0}


def _step(ctx: Context, run_id: str, kind: str, name: str) -> dict[str, Any]:
    step = ctx.repos.steps.get(run_id, kind, name)
    status, rows = (step.status, step.rows) if step is not None else ("missing", 0)
    return {"run_id": run_id, "step": f"{kind} {name}", "status": status, "rows": rows}
