"""The Celery executor: the same interface as the in-process one, the work done by workers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from vmsdq.jobs.app import PUBLISH_RETRY, create_celery
from vmsdq.jobs.canvas import dispatch
from vmsdq.services import metrics
from vmsdq.services.executor import ContextFactory
from vmsdq.services.jobconfig import JobSettings

POLL = 0.2


class CeleryExecutor:
    """Sends each submitted run as a canvas to the broker of ``settings``."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self.app = create_celery(settings)
        # A submitter (a web request, the CLI) gives up on a down Redis backend in about a
        # second and leaves the run queued for the workers' sweep; workers keep Celery's
        # longer retries so a Redis restart does not fail the tasks they are finishing.
        options = dict(self.app.conf.result_backend_transport_options or {})
        self.app.conf.result_backend_transport_options = options | {"retry_policy": PUBLISH_RETRY}
        self._contexts: dict[str, ContextFactory] = {}
        metrics.add_probe(settings.queue, self.queue_depth)

    def submit(self, make_context: ContextFactory, run_id: str) -> bool:
        ctx = make_context()
        plan = ctx.repos.runs.plan(run_id)
        if plan is None:
            from vmsdq.core.errors import NotFoundError

            raise NotFoundError(f"run '{run_id}' is not in the results database")
        self._contexts[run_id] = make_context
        root = str(Path(ctx.project.root).resolve())
        return dispatch(self.app, (ctx.tenant, ctx.project.spec.name), root, run_id, plan)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Poll the results database until the run has finished (TimeoutError past timeout)."""
        make_context = self._contexts.get(run_id)
        if make_context is None:
            return
        ctx = make_context()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            found = ctx.repos.runs.summary(run_id)
            if found is None or found.status in ("completed", "failed", "cancelled"):
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} is still {found.status} after {timeout} s")
            time.sleep(POLL)

    def queue_depth(self) -> int | None:
        """Tasks waiting in the queue (None when the broker cannot be reached)."""
        try:
            with self.app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=0, timeout=1)
                declared = conn.default_channel.queue_declare(self.settings.queue, passive=True)
                return int(declared.message_count)
        except Exception:  # noqa: BLE001 (an unreachable broker has no depth to report)
            return None

    def workers(self, timeout: float = 1.0) -> list[str]:
        """Names of the workers that answer a ping within ``timeout`` seconds."""
        replies: list[dict[str, Any]] = self.app.control.ping(timeout=timeout) or []
        return sorted(name for reply in replies for name in reply)
