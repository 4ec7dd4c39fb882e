"""Deliveries (webhooks, alert channels) and alert sweeps as Celery tasks.

``vmsdq.deliver`` makes one attempt and, while the delivery is still pending, retries itself
at the time the delivery record says (exponential backoff, for ``webhooks.retry_for``);
``vmsdq.alerts_sweep`` (beat, every few minutes) re-sends due deliveries whose task was lost
and evaluates the ``run_overdue`` alert rules.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from vmsdq.jobs.beat import cron
from vmsdq.jobs.context import context_for, project_at
from vmsdq.jobs.tasks import task
from vmsdq.services import deliveries
from vmsdq.services.alerts import check_overdue
from vmsdq.services.jobconfig import JobSettings
from vmsdq.services.logs import bound
from vmsdq.services.report_send import send_report
from vmsdq.services.reports import CRON

log = logging.getLogger(__name__)
SWEEP_SECONDS = 300.0


@task(name="vmsdq.deliver", bind=True, acks_late=True, max_retries=None, ignore_result=True)
def deliver(self: Task, root: str, delivery_id: str) -> dict[str, Any]:
    """Attempt one delivery; retried at its next attempt time while it is pending."""
    with bound(task_id=self.request.id, task=f"deliver {delivery_id}"):
        ctx = context_for(root)
        found = deliveries.attempt(ctx, delivery_id)
        result = {
            "delivery_id": found.id,
            "status": found.status,
            "attempts": found.attempts,
            "last_status": found.last_status,
        }
        if found.status == deliveries.PENDING and found.next_attempt_at is not None:
            wait = max(1.0, (found.next_attempt_at - ctx.clock()).total_seconds())
            log.info("delivery %s: %s, again in %.0f s", found.id, found.last_error, wait)
            raise self.retry(countdown=wait, max_retries=None)
        return result


@task(name="vmsdq.alerts_sweep", bind=True, acks_late=True, ignore_result=True)
def alerts_sweep(self: Task, root: str) -> dict[str, Any]:
    """Due deliveries whose task was lost, and the run-overdue alert rules."""
    with bound(task_id=self.request.id, task="alerts sweep"):
        ctx = context_for(root)
        done = deliveries.deliver_due(ctx)
        overdue = check_overdue(ctx)
        return {"attempted": len(done), "overdue_notices": len(overdue)}


@task(name="vmsdq.report", bind=True, acks_late=True, ignore_result=True)
def report(self: Task, root: str, name: str) -> dict[str, Any]:
    """Build the report of schedule ``name`` (``reports.schedules``) and email it."""
    with bound(task_id=self.request.id, task=f"report {name}"):
        sent = send_report(context_for(root), name)
        return {"report": name, "deliveries": [d.id for d in sent]}


def beat_entries(settings: JobSettings) -> dict[str, dict[str, Any]]:
    """Beat entries of the alert sweep and of each enabled ``reports.schedules`` entry."""
    out: dict[str, dict[str, Any]] = {
        "vmsdq alerts sweep": {
            "task": "vmsdq.alerts_sweep",
            "schedule": SWEEP_SECONDS,
            "args": (settings.project_root,),
            "options": {"queue": settings.queue, "expires": SWEEP_SECONDS},
        }
    }
    for name, spec in report_schedules(settings.project_root).items():
        if spec.enabled:
            out[f"vmsdq report {name}"] = {
                "task": "vmsdq.report",
                "schedule": cron(spec.cron or CRON[spec.period]),
                "args": (settings.project_root, name),
                "options": {"queue": settings.queue, "expires": 3600},
            }
    return out


def report_schedules(root: str) -> dict[str, Any]:
    """The ``reports.schedules`` of the project in ``root``."""
    return dict(project_at(root).spec.reports.schedules)
