"""The Celery app of the web app's executor, kept in ``app.extensions["celery"]``.

With a broker configured the executor is the Celery one (``vmsdq.jobs``): runs started by a
request are sent to the workers through this Celery app, and a task executed by it in this
process (``task.apply()``, eager mode) runs inside the Flask app's context. Without a broker
there is no Celery app: runs execute in the thread pool of ``services.executor``.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask, current_app


def attach_celery(app: Flask, executor: Any) -> Celery | None:
    """Keep the executor's Celery app (if it has one) beside the app's WebState."""
    found = getattr(executor, "app", None)
    if not isinstance(found, Celery):
        return None
    found.vmsdq_task_context = app.app_context  # tasks open it (jobs.tasks.AppTask)
    app.extensions["celery"] = found
    return found


def celery_app() -> Celery | None:
    """The Celery app of the current Flask app; None in the embedded (no broker) setup."""
    found: Celery | None = current_app.extensions.get("celery")
    return found
