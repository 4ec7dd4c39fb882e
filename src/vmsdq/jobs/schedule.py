"""Starting the run a schedule asks for: one run per schedule per time slot."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from celery import Celery

from vmsdq.core.errors import ConflictError
from vmsdq.jobs.beat import period
from vmsdq.jobs.canvas import claim, dispatch
from vmsdq.jobs.context import context_for
from vmsdq.services.jobconfig import job_settings
from vmsdq.services.runs import start_run

log = logging.getLogger(__name__)


def slot(every: str | None, now: datetime) -> datetime:
    """The time slot ``now`` falls in: its period for ``every``, its minute for cron."""
    seconds = int(period(every).total_seconds()) if every else 60
    epoch = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(epoch, UTC)


def start_scheduled(
    app: Celery, root: str, name: str, now: datetime | None = None
) -> dict[str, Any]:
    """Record and send the run of schedule ``name`` for the current slot, unless it exists."""
    ctx = context_for(root)
    spec = job_settings(ctx.project).schedules[name]
    at = slot(spec.every, now or ctx.clock())
    run_id = f"{at:%Y%m%dT%H%M%S}-{name}"
    if ctx.repos.runs.summary(run_id) is not None:
        return {"run_id": run_id, "schedule": name, "status": "already started"}
    entities = _entities(ctx.project, spec.entities)
    if entities == []:
        return {"run_id": None, "schedule": name, "status": "no entity to validate"}
    scope = (ctx.tenant, ctx.project.spec.name)
    if claim(app.vmsdq_settings, scope, run_id) is False:
        return {"run_id": run_id, "schedule": name, "status": "already started"}
    try:
        start_run(ctx, run_id=run_id, entities=entities)
    except ConflictError:
        return {"run_id": run_id, "schedule": name, "status": "already started"}
    plan = ctx.repos.runs.plan(run_id) or {}
    sent = dispatch(app, scope, root, run_id, plan)
    log.info("schedule %s started run %s", name, run_id, extra={"run_id": run_id})
    return {"run_id": run_id, "schedule": name, "status": "sent" if sent else "queued"}


def _entities(project: Any, chosen: list[str] | str) -> list[str] | None:
    if chosen == "all":
        return None
    if chosen == "mirrored":
        return [n for n, e in project.entities.items() if e.mirror is not None]
    return list(chosen)
