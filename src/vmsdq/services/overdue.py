"""Runs that need a push: past their time limit (marked failed), or never handed to a worker.

The job workers sweep these every ``jobs.maintenance_interval`` seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from vmsdq.core.words import RunStatus
from vmsdq.services import work
from vmsdq.services.context import Context
from vmsdq.store.records import RunSummary

PAGE = 200


def fail_overdue(ctx: Context, limit_seconds: float, *, now: datetime | None = None) -> list[str]:
    """Mark failed every run still queued or running ``limit_seconds`` after it started, with
    the reason (and where it was stuck); returns their ids."""
    ctx.require("run")
    at = now or ctx.clock()
    cutoff = at - timedelta(seconds=limit_seconds)
    failed = []
    for status in (RunStatus.queued, RunStatus.running):
        for found in list(_runs(ctx, status, until=cutoff)):
            reason = f"run exceeded its time limit of {limit_seconds:g} s{_stuck_at(ctx, found)}"
            if work.fail_run(ctx, found.run_id, reason):
                _fail_running_steps(ctx, found.run_id, reason, at)
                failed.append(found.run_id)
    return failed


def never_started(ctx: Context, *, idle_seconds: float, now: datetime | None = None) -> list[str]:
    """Runs still ``queued`` with no step ever started, untouched for ``idle_seconds``."""
    ctx.require("run")
    cutoff = (now or ctx.clock()) - timedelta(seconds=idle_seconds)
    out = []
    for found in _runs(ctx, RunStatus.queued):
        touched = found.updated_at or found.started_at
        if touched > cutoff:
            continue
        if all(s.attempts == 0 for s in ctx.repos.steps.list(found.run_id)):
            out.append(found.run_id)
    return out


def _runs(ctx: Context, status: str, until: datetime | None = None) -> Iterator[RunSummary]:
    cursor = None
    while True:
        page = ctx.repos.runs.page(status=str(status), until=until, cursor=cursor, limit=PAGE)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _stuck_at(ctx: Context, run: RunSummary) -> str:
    steps = ctx.repos.steps.list(run.run_id)
    running = [f"{s.kind} {s.name}" for s in steps if s.status == "running"]
    if running:
        return f"; stuck at: {', '.join(running)}"
    if all(s.attempts == 0 for s in steps):
        return "; no worker ever started it"
    done = sum(s.status in ("completed", "failed") for s in steps)
    return f"; {done} of {len(steps)} steps done"


def _fail_running_steps(ctx: Context, run_id: str, reason: str, at: datetime) -> None:
    for step in ctx.repos.steps.list(run_id):
        if step.status == "running":
            ctx.repos.steps.finish(run_id, step.kind, step.name, "failed", at, message=reason)
