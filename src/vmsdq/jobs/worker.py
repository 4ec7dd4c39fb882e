"""The app of ``vmsdq worker`` and ``vmsdq beat`` (``celery -A vmsdq.jobs.worker``).

The project comes from ``$VMSDQ_PROJECT`` (the CLI sets it); its ``jobs:`` settings (under
environment overrides) configure the broker. Logs are JSON lines with the run and task ids.
A worker's main process also sweeps lost and overdue runs and reports its CPU and memory.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from celery import Celery, signals

from vmsdq.core.errors import ConfigError
from vmsdq.jobs.app import create_celery
from vmsdq.jobs.context import context_for, project_at
from vmsdq.jobs.maintenance import Sweeper
from vmsdq.services import metrics
from vmsdq.services.jobconfig import job_settings
from vmsdq.services.logs import configure_json_logging
from vmsdq.services.process import after_fork

ENV_PROJECT = "VMSDQ_PROJECT"
HEARTBEAT = 10.0
log = logging.getLogger(__name__)


def worker_app(root: str) -> Celery:
    context_for(root)  # the results database exists (and is at the schema) before Celery opens it
    settings = job_settings(project_at(root))
    if settings.embedded:
        raise ConfigError(
            "no broker is configured: set jobs.broker in vmsdq.yaml or VMSDQ_BROKER_URL "
            "(without one, runs execute in the process that starts them)"
        )
    metrics.configure(settings.redis)
    return create_celery(settings)


ROOT = os.path.abspath(os.environ.get(ENV_PROJECT, "."))
app = worker_app(ROOT)


def _logging(loglevel: Any = None, **_: Any) -> None:
    configure_json_logging(loglevel or logging.INFO)


def _forked(**_: Any) -> None:
    after_fork()


def _ready(sender: Any = None, **_: Any) -> None:
    Sweeper(app, ROOT).start()
    name = getattr(sender, "hostname", None) or f"{socket.gethostname()}:{os.getpid()}"
    metrics.start_heartbeat(name, HEARTBEAT)
    log.info("worker ready for project %s", ROOT)


signals.setup_logging.connect(_logging)
signals.worker_process_init.connect(_forked)
signals.worker_ready.connect(_ready)
