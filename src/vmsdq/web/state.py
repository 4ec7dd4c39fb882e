"""What the app keeps between requests: the served project, the run executor, the actor."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, g

from vmsdq.services.context import LOCAL, Actor, Context
from vmsdq.services.executor import RunExecutor, executor_for
from vmsdq.services.logs import bound
from vmsdq.services.served import ServedProject

log = logging.getLogger(__name__)
ActorOf = Callable[[], Actor]  # who is calling, read from the current request


def local_actor() -> Actor:
    """Until accounts and tokens exist, whoever reaches the server acts as the local admin."""
    return LOCAL


@dataclass
class WebState:
    served: ServedProject
    executor: RunExecutor
    actor_of: ActorOf = local_actor

    def context(self, actor: Actor | None = None) -> Context:
        return self.served.context(actor or self.actor_of())

    def submit(self, run_id: str) -> bool:
        """Hand a recorded run to the executor, with a context of its own (same actor).

        False when the broker could not be reached: the run stays ``queued`` and the
        workers' sweep sends it once the broker is back (never lost, never an error here).
        """
        actor = self.actor_of()
        with bound(run_id=run_id):
            try:
                sent = self.executor.submit(lambda: self.context(actor), run_id)
            except Exception:  # noqa: BLE001 (an executor failing to hand over: queued, logged)
                log.exception("run %s stays queued: the executor could not take it", run_id)
                return False
            if sent is False:
                return False
            log.info("run %s handed to the executor", run_id)
            return True


def make_executor(config: Mapping[str, Any], served: ServedProject) -> RunExecutor:
    """The run executor: the project's job settings choose (``executor_for``: Celery
    workers when ``jobs.broker`` or ``VMSDQ_BROKER_URL`` is set, else a thread pool of this
    process); tests may give an executor object in ``VMSDQ_EXECUTOR`` instead."""
    chosen = config.get("VMSDQ_EXECUTOR")
    if chosen is None:
        return executor_for(served.project)
    if hasattr(chosen, "submit"):
        executor: RunExecutor = chosen
        return executor
    raise ValueError(
        f"VMSDQ_EXECUTOR must be an executor object (or unset: jobs.broker decides), not {chosen!r}"
    )


def web_state() -> WebState:
    found: WebState = current_app.extensions["vmsdq"]
    return found


def ctx() -> Context:
    """The context of this request (one per request: sessions are not shared by threads)."""
    if "vmsdq_ctx" not in g:
        g.vmsdq_ctx = web_state().context()
    found: Context = g.vmsdq_ctx
    return found
