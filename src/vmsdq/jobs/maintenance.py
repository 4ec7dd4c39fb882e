"""The worker's sweep: runs past their time limit are failed, runs never sent are sent.

Every worker runs it every ``jobs.maintenance_interval`` seconds; a lease lets one worker at
a time do it. A run is sent again only when it is still ``queued``, no step of it ever
started and its dispatch marker is missing: the broker was down when it was submitted, or
lost the queue (a Redis restarted without persistence). Runs lost mid-way stay ``running``
until their time limit fails them (resume them with ``vmsdq runs resume``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from celery import Celery

from vmsdq.jobs.canvas import dispatch, was_dispatched
from vmsdq.jobs.context import context_for
from vmsdq.jobs.locks import Lease, lease
from vmsdq.services.jobconfig import JobSettings
from vmsdq.services.overdue import fail_overdue, never_started
from vmsdq.services.run_steps import describe

log = logging.getLogger(__name__)


def sweep(app: Celery, root: str, holder: Lease) -> dict[str, Any]:
    """One sweep over the project in ``root`` (nothing unless ``holder`` holds the lease)."""
    settings: JobSettings = app.vmsdq_settings
    if not holder.hold():
        return {"swept": False}
    ctx = context_for(root)
    failed = fail_overdue(ctx, settings.run_time_limit)
    for run_id in failed:
        log.warning(
            "run %s exceeded its time limit: marked failed", run_id, extra={"run_id": run_id}
        )
    scope = (ctx.tenant, ctx.project.spec.name)
    idle = max(5.0, 2 * settings.maintenance_interval)
    sent = []
    for run_id in never_started(ctx, idle_seconds=idle):
        if was_dispatched(settings, scope, run_id) is False:
            plan = ctx.repos.runs.plan(run_id) or {}
            if dispatch(app, scope, root, run_id, plan):
                log.info("run %s sent again", run_id, extra={"run_id": run_id})
                sent.append(run_id)
    return {"swept": True, "failed": failed, "sent": sent}


class Sweeper(threading.Thread):
    """The sweep every ``maintenance_interval`` seconds, in a daemon thread of the worker."""

    def __init__(self, app: Celery, root: str) -> None:
        super().__init__(name="vmsdq-maintenance", daemon=True)
        self.app, self.root = app, root
        settings: JobSettings = app.vmsdq_settings
        self.interval = settings.maintenance_interval
        tenant, project = settings.scope
        self.lease = lease(
            settings.redis,
            f"vmsdq:maintenance:{tenant}:{project}",
            ttl=max(2.0, self.interval * 3),
            fallback=Path(root) / ".vmsdq" / "maintenance.lock",
        )
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                sweep(self.app, self.root, self.lease)
            except Exception as exc:  # noqa: BLE001 (a broker or store outage: next time)
                log.warning("maintenance sweep failed: %s", describe(exc))
