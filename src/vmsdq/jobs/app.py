"""The Celery app, configured from a project's job settings (``jobs:`` of ``vmsdq.yaml``).

Reliability is set here once: tasks are acknowledged only when done (``acks_late``) and
given back when their worker dies (``reject_on_worker_lost``), so a worker killed mid-task
has its task delivered again; the broker waits ``visibility_timeout`` (longer than the
longest task) before doing so; a worker takes one task at a time per process.
"""

from __future__ import annotations

import atexit
import contextlib
from typing import Any

from celery import Celery

from vmsdq.services.jobconfig import JobSettings

PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}


def create_celery(settings: JobSettings, name: str = "vmsdq") -> Celery:
    """A Celery app for ``settings`` with vmsdq's tasks and beat schedule."""
    from vmsdq.jobs.beat import beat_schedule
    from vmsdq.jobs.deliveries import beat_entries  # deliveries, alert sweeps, reports

    app = Celery(
        name, broker=settings.broker, backend=settings.result_backend, set_as_current=False
    )
    app.conf.update(celery_config(settings))
    app.conf.beat_schedule = beat_schedule(settings) | beat_entries(settings)
    app.vmsdq_settings = settings
    import vmsdq.jobs.tasks  # noqa: F401 (registers the shared tasks on every app)

    app.loader.import_default_modules()
    atexit.register(stop_listening, app)
    return app


def stop_listening(app: Celery) -> None:
    """Drop the result subscriptions a Redis backend makes for the tasks it sends (progress is
    read from the results store), while the interpreter can still close them cleanly."""
    backend = getattr(app, "_backend", None)  # never made one: nothing to drop
    consumer = getattr(backend, "result_consumer", None)
    if consumer is None:
        return
    with contextlib.suppress(Exception):
        getattr(consumer, "subscribed_to", set()).clear()
        consumer.stop()


def celery_config(settings: JobSettings) -> dict[str, Any]:
    limit = settings.task_time_limit
    transport = {"visibility_timeout": settings.visibility_timeout}
    if (settings.broker or "").startswith(("redis", "rediss")):
        transport |= {
            "unacked_restore_interval": max(1, min(10, settings.visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
        }
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": limit,
        "task_soft_time_limit": max(1, min(limit - 1, int(limit * 0.9))) if limit > 1 else None,
        "task_default_queue": settings.queue,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 24 * 3600,
        "result_extended": False,
        "broker_transport_options": transport,
        "result_backend_transport_options": {"visibility_timeout": settings.visibility_timeout},
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 4,
        "broker_heartbeat": 10,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_publish_retry": True,
        "task_publish_retry_policy": PUBLISH_RETRY,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "beat_scheduler": "vmsdq.jobs.beat:SingleBeatScheduler",
        "beat_max_loop_interval": 5,
        "enable_utc": True,
        "timezone": "UTC",
    }
