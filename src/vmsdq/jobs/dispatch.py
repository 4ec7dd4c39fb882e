"""The Celery dispatcher of deliveries (entry point ``vmsdq.dispatchers``: ``celery``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from vmsdq.jobs.app import create_celery
from vmsdq.services.jobconfig import JobSettings

log = logging.getLogger(__name__)


class CeleryDispatcher:
    """Sends each delivery to the workers as a ``vmsdq.deliver`` task."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self.app = create_celery(settings)

    def send(self, delivery_ids: Sequence[str]) -> None:
        for delivery_id in delivery_ids:
            try:
                self.app.send_task(
                    "vmsdq.deliver",
                    args=(self.settings.project_root, delivery_id),
                    queue=self.settings.queue,
                )
            except Exception as exc:  # noqa: BLE001 (the beat's sweep sends it later)
                log.warning("delivery %s not sent to the broker: %s", delivery_id, exc)
