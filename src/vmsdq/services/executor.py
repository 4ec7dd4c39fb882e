"""Where runs execute: started by a request, done by an executor, never inside the request.

A run executes as a canvas of units of work (``services.work``): every view read (a group),
then every entity validated (a group), then the finish. The embedded default runs that canvas
in a thread pool of this process (:class:`ThreadExecutor`); with a broker configured, the
Celery executor of ``vmsdq.jobs`` sends the same units to workers. :func:`executor_for` is the
one place that chooses, from the project's job settings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from importlib.metadata import entry_points
from typing import Any, Protocol

from vmsdq.core.errors import ConfigError, ConflictError, TransientError
from vmsdq.services import metrics, work
from vmsdq.services.context import Context
from vmsdq.services.jobconfig import JobSettings, RetryPolicy, job_settings
from vmsdq.services.logs import bound
from vmsdq.spec.models import Project

ContextFactory = Callable[[], Context]  # a fresh context (sessions are not shared by threads)
Unit = Callable[..., dict[str, Any]]
log = logging.getLogger(__name__)


class RunExecutor(Protocol):
    def submit(self, make_context: ContextFactory, run_id: str) -> bool:
        """Execute the run's remaining phases (start_run has recorded it) somewhere else.

        False when the run could not be handed over now (the broker is unreachable): it
        stays ``queued`` and is sent again once the broker is back.
        """
        ...

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Block until the run submitted under ``run_id`` is done, at most ``timeout`` s."""
        ...


class ThreadExecutor:
    """The canvas of each run in a thread pool of this process (the embedded default)."""

    def __init__(
        self,
        workers: int = 2,
        *,
        retry: RetryPolicy | None = None,
        run_time_limit: float | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.run_time_limit = run_time_limit
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vmsdq-task")
        self._runs = ThreadPoolExecutor(max_workers=8, thread_name_prefix="vmsdq-run")
        self._futures: dict[str, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._queued = 0
        self.closed = False

    def submit(self, make_context: ContextFactory, run_id: str) -> bool:
        with self._lock:
            running = self._futures.get(run_id)
            if running is not None and not running.done():
                return True  # already executing here
            self._futures[run_id] = self._runs.submit(self._canvas, make_context, run_id)
        return True

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self.closed = True
        self._runs.shutdown(wait=True)
        self._pool.shutdown(wait=True)

    def queue_depth(self) -> float:
        """Units submitted to the pool that have not started yet."""
        return float(self._queued)

    def _canvas(self, make_context: ContextFactory, run_id: str) -> dict[str, Any]:
        with bound(run_id=run_id):
            ctx = make_context()
            plan = ctx.repos.runs.plan(run_id) or {}
            deadline = time.monotonic() + self.run_time_limit if self.run_time_limit else None
            try:
                reads = [(work.read, run_id, v) for v in plan.get("reads", [])]
                if self._group(make_context, reads, deadline, run_id):
                    entities = [(work.validate, run_id, e) for e in plan.get("entities", [])]
                    if self._group(make_context, entities, deadline, run_id):
                        return self._attempt(make_context, work.finish, run_id)
            except BaseException as exc:
                work.fail_run(make_context(), run_id, f"run failed: {_describe(exc)}")
                raise
            found = ctx.repos.runs.summary(run_id)
            return {"run_id": run_id, "status": found.status if found else "missing"}

    def _group(
        self,
        make_context: ContextFactory,
        units: list[tuple[Unit, str, str]],
        deadline: float | None,
        run_id: str,
    ) -> bool:
        """Run the units in the pool; False when the run's time limit passed meanwhile."""
        with self._lock:
            self._queued += len(units)
        futures = [self._pool.submit(self._started, make_context, *unit) for unit in units]
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        done, pending = wait(futures, timeout=left, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()  # a unit's unexpected error fails the run
        if pending:
            wait(pending, timeout=0)
            if any(not f.done() for f in pending):
                limit = f"{self.run_time_limit:g} s"
                work.fail_run(make_context(), run_id, f"run exceeded its time limit of {limit}")
                return False
        return True

    def _started(self, make_context: ContextFactory, unit: Unit, *args: str) -> dict[str, Any]:
        with self._lock:
            self._queued -= 1
        return self._attempt(make_context, unit, *args)

    def _attempt(self, make_context: ContextFactory, unit: Unit, *args: str) -> dict[str, Any]:
        """One unit, retried with backoff on transient errors (the last try takes them)."""
        name = unit.__name__
        for attempt in range(self.retry.retries + 1):
            ctx = make_context()
            last = attempt == self.retry.retries
            try:
                with bound(run_id=args[0], task=f"{name} {' '.join(args[1:])}".strip()):
                    if unit is work.read:
                        found = unit(ctx, *args, retry=not last)
                    else:
                        found = unit(ctx, *args)
                metrics.task_finished(name, "succeeded")
                return found
            except (TransientError, ConflictError) as exc:
                if last or (isinstance(exc, ConflictError) and unit is not work.finish):
                    metrics.task_finished(name, "failed")
                    raise
                metrics.task_retried(name)
                log.warning("retrying %s after a transient error: %s", name, _describe(exc))
                time.sleep(self.retry.delay(attempt))
            except BaseException:
                metrics.task_finished(name, "failed")
                raise
        raise AssertionError("unreachable")


_EXECUTORS: dict[tuple[Any, ...], RunExecutor] = {}
_LOCK = threading.Lock()


def executor_for(project: Project) -> RunExecutor:
    """The executor the project's job settings ask for, one per settings per process."""
    settings = job_settings(project)
    key = (
        settings.broker,
        settings.result_backend,
        settings.queue,
        settings.threads,
        settings.run_time_limit,
        settings.retry,
    )
    with _LOCK:
        found = _EXECUTORS.get(key)
        if found is None or getattr(found, "closed", False):
            found = _EXECUTORS[key] = _create(settings)
        return found


def _create(settings: JobSettings) -> RunExecutor:
    metrics.configure(settings.redis)
    if settings.embedded:
        pool = ThreadExecutor(
            settings.threads, retry=settings.retry, run_time_limit=settings.run_time_limit
        )
        metrics.add_probe("embedded", pool.queue_depth)
        return pool
    found = [ep for ep in entry_points(group="vmsdq.executors") if ep.name == "celery"]
    if not found:
        raise ConfigError(
            "a broker is configured but no 'celery' executor is installed "
            "(entry point group vmsdq.executors): reinstall vmsdq"
        )
    factory: Callable[[JobSettings], RunExecutor] = found[0].load()
    return factory(settings)


def _describe(exc: BaseException) -> str:
    from vmsdq.services.run_steps import describe

    return describe(exc)
