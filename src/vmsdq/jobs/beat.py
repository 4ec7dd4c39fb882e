"""Beat: the schedules of ``jobs.schedules`` as Celery beat entries, sent by one beat only.

:class:`SingleBeatScheduler` sends nothing unless it holds the beat lease (a Redis key that
expires, renewed every tick; a file lock without Redis), so a second beat process waits on
standby and takes over within the lease time when the first one dies. Each scheduled run
also gets an id from its schedule and time slot, so a slot fired twice starts one run.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.beat import Scheduler
from celery.schedules import crontab

from vmsdq.core.errors import ConfigError
from vmsdq.jobs.locks import Lease, lease
from vmsdq.services.jobconfig import JobSettings

log = logging.getLogger(__name__)
ENV_LEASE = "VMSDQ_BEAT_LEASE_SECONDS"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}$")


def period(every: str) -> timedelta:
    """``15m`` -> 15 minutes (units s, m, h, d)."""
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", every)
    if found is None or int(found[1]) == 0:
        raise ConfigError(f"jobs.schedules: every '{every}' is not a period such as 30s, 15m, 1h")
    return timedelta(seconds=int(found[1]) * UNITS[found[2]])


def cron(text: str) -> crontab:
    """A five-field cron line (minute hour day-of-month month day-of-week), in UTC."""
    minute, hour, dom, month, dow = text.split()
    try:
        return crontab(minute, hour, dow, dom, month)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"jobs.schedules: cron '{text}' is not valid: {exc}") from None


def beat_schedule(settings: JobSettings) -> dict[str, dict[str, Any]]:
    """Celery beat entries of the enabled schedules."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in settings.schedules.items():
        if not SAFE_NAME.match(name):
            raise ConfigError(
                f"jobs.schedules: name '{name}' is not allowed (letters, digits, '_', '-')"
            )
        if not spec.enabled:
            continue
        when: timedelta | crontab = period(spec.every) if spec.every else cron(spec.cron or "")
        root = settings.project_root
        args: tuple[str, str | int]
        if spec.task == "retention":
            task, args = "vmsdq.retention", (root, spec.keep_days)
        else:
            task, args = "vmsdq.scheduled_run", (root, name)
        expires = when.total_seconds() if isinstance(when, timedelta) else 3600
        out[f"vmsdq {name}"] = {
            "task": task,
            "schedule": when,
            "args": args,
            "options": {"queue": settings.queue, "expires": expires},
        }
    return out


class SingleBeatScheduler(Scheduler):  # type: ignore[misc]
    """An in-memory scheduler that sends only while this process holds the beat lease."""

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        settings: JobSettings = app.vmsdq_settings
        ttl = float(os.environ.get(ENV_LEASE, "30"))
        tenant, project = settings.scope
        fallback = Path(settings.project_root) / ".vmsdq" / "beat.lock"
        self.lease: Lease = lease(settings.redis, f"vmsdq:beat:{tenant}:{project}", ttl, fallback)
        self.leading = False
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        pause = max(0.2, self.lease.ttl / 3)
        if not self.lease.hold():
            if self.leading:
                log.warning("beat: lost the beat lease; standing by")
            self.leading = False
            return pause
        if not self.leading:
            log.info("beat: holding the beat lease; sending the schedules")
            self.leading = True
        found: float = super().tick(*args, **kwargs)
        return min(found, pause)

    def close(self) -> None:
        self.lease.release()
        super().close()
