"""The tasks: ids in, a small JSON dict out. Each calls one unit of ``services.work``.

A transient error is retried with backoff up to ``jobs.retries`` times (the last try of a
read records the view's error instead, so the run goes on); a task past its soft time limit,
or failing for any other reason, marks its run failed with the reason and returns, so the
chord still completes and the finish sees the failed run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from vmsdq.core.errors import ConflictError, TransientError
from vmsdq.jobs.context import context_for
from vmsdq.services import metrics, work
from vmsdq.services.jobconfig import RetryPolicy
from vmsdq.services.logs import bound
from vmsdq.services.run_steps import describe

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def task(**options: Any) -> Callable[[F], F]:
    """``celery.shared_task`` with its types kept (Celery ships none)."""
    return cast(Callable[[F], F], shared_task(**options))


class AppTask(Task):  # type: ignore[misc]
    """A task run inside the context its Celery app was given by a front end, if any (the
    web app gives its Flask app context: ``web.background.attach_celery``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        opener = getattr(self.app, "vmsdq_task_context", None)
        with opener() if opener is not None else contextlib.nullcontext():
            return super().__call__(*args, **kwargs)


class UnitTask(AppTask):
    acks_late = True
    reject_on_worker_lost = True

    def run_unit(self, unit: Any, root: str, run_id: str, *names: str) -> dict[str, Any]:
        what = " ".join([self.name.removeprefix("vmsdq."), *names])
        ids = {"run_id": run_id, "task_id": self.request.id, "task": what}
        with bound(**ids, worker=self.request.hostname):
            retry, found = self._attempt(unit, root, run_id, names, what)
            if retry is None:
                log.info("%s: %s", what, found.get("status", "done"))
        if retry is not None:
            raise self.retry(**retry)
        found["worker"] = self.request.hostname or socket.gethostname()
        return found

    def _attempt(
        self, unit: Any, root: str, run_id: str, names: tuple[str, ...], what: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        attempt = self.request.retries or 0
        policy = getattr(self.app, "vmsdq_settings", None)
        policy = policy.retry if policy is not None else RetryPolicy()
        last = attempt >= policy.retries
        try:
            ctx = context_for(root)
            kwargs = {"retry": not last} if unit is work.read else {}
            found: dict[str, Any] = unit(ctx, run_id, *names, **kwargs)
        except (TransientError, ConflictError) as exc:
            retryable = isinstance(exc, TransientError) or unit is work.finish
            if retryable and not last:
                metrics.task_retried(self.name)
                log.warning("%s: retry %d after %s", what, attempt + 1, describe(exc))
                return {"exc": exc, "countdown": policy.delay(attempt), "max_retries": None}, {}
            return None, self._failed(root, run_id, f"{what} failed: {describe(exc)}")
        except SoftTimeLimitExceeded:
            limit = self.app.conf.task_time_limit
            reason = f"{what} took longer than the task time limit ({limit} s)"
            return None, self._failed(root, run_id, reason)
        except Exception as exc:  # noqa: BLE001 (the run is failed with the reason)
            log.exception("%s failed", what)
            return None, self._failed(root, run_id, f"{what} failed: {describe(exc)}")
        metrics.task_finished(self.name, "succeeded")
        return None, found

    def _failed(self, root: str, run_id: str, reason: str) -> dict[str, Any]:
        metrics.task_finished(self.name, "failed")
        log.error(reason)
        try:
            work.fail_run(context_for(root), run_id, reason)
        except Exception as exc:  # noqa: BLE001 (the store is down too: the run's time limit ends it)
            log.error("could not mark run %s failed: %s", run_id, describe(exc))
        return {"run_id": run_id, "status": "failed", "message": reason}


@task(name="vmsdq.read_view", bind=True, base=UnitTask)
def read_view(self: UnitTask, root: str, run_id: str, view: str) -> dict[str, Any]:
    """Read one view of a run into its archive."""
    return self.run_unit(work.read, root, run_id, view)


@task(name="vmsdq.validate_entity", bind=True, base=UnitTask)
def validate_entity(self: UnitTask, root: str, run_id: str, entity: str) -> dict[str, Any]:
    """Validate one entity of a run from its archive."""
    return self.run_unit(work.validate, root, run_id, entity)


@task(name="vmsdq.finish_run", bind=True, base=UnitTask)
def finish_run(self: UnitTask, root: str, run_id: str) -> dict[str, Any]:
    """Score a run whose steps are done and mark it completed."""
    return self.run_unit(work.finish, root, run_id)


@task(name="vmsdq.ping", bind=True, base=AppTask)
def ping(self: Task) -> dict[str, Any]:
    """A worker's answer: who it is and when (health checks, the queueing benchmark)."""
    return {
        "worker": self.request.hostname,
        "pid": os.getpid(),
        "at": datetime.now(UTC).timestamp(),
    }


@task(name="vmsdq.scheduled_run", bind=True, base=AppTask, acks_late=True)
def scheduled_run(self: Task, root: str, schedule: str) -> dict[str, Any]:
    """Start the run a beat schedule asks for (once per slot, whoever fires it) and send it."""
    from vmsdq.jobs.schedule import start_scheduled

    with bound(task_id=self.request.id, task=f"scheduled {schedule}"):
        return start_scheduled(self.app, root, schedule)


@task(name="vmsdq.retention", bind=True, base=AppTask, acks_late=True)
def retention(self: Task, root: str, keep_days: int) -> dict[str, Any]:
    """Remove runs, snapshots and failure files older than ``keep_days``."""
    from vmsdq.services.retention import clean_up

    with bound(task_id=self.request.id, task="retention"):
        report = clean_up(context_for(root), keep_days=keep_days)
        log.info("retention: %d runs and %d folders removed", len(report.runs), len(report.folders))
        return report.to_dict()
