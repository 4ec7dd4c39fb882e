"""Where runs execute: started by a request, done by an executor, never inside the request.

The embedded default runs each submitted run's remaining phases in a thread of this process;
``vmsdq.jobs`` provides the Celery executor that spreads them over workers. Both call the same
phase functions of ``services.runs``, so progress, results and resumes are the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from vmsdq.services.context import Context

ContextFactory = Callable[[], Context]  # a fresh context (sessions are not shared by threads)


class RunExecutor(Protocol):
    def submit(self, make_context: ContextFactory, run_id: str) -> None:
        """Execute the run's remaining phases (start_run has recorded it) somewhere else."""
        ...


class ThreadExecutor:
    """Runs in a small thread pool of this process (the embedded default)."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vmsdq-run")
        self._futures: dict[str, Future[object]] = {}
        self._lock = threading.Lock()

    def submit(self, make_context: ContextFactory, run_id: str) -> None:
        from vmsdq.services.runs import resume_run

        def work() -> object:
            return resume_run(make_context(), run_id)

        with self._lock:
            self._futures[run_id] = self._pool.submit(work)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Block until the run submitted under ``run_id`` is done (tests, ``--wait``)."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
