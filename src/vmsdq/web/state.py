"""What the app keeps between requests: the served project, the run executor, the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g

from vmsdq.services.context import LOCAL, Actor, Context
from vmsdq.services.executor import RunExecutor, ThreadExecutor
from vmsdq.services.served import ServedProject

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

    def submit(self, run_id: str) -> None:
        """Hand a recorded run to the executor, with a context of its own (same actor)."""
        actor = self.actor_of()
        self.executor.submit(lambda: self.context(actor), run_id)


def make_executor(config: dict[str, Any]) -> RunExecutor:
    """The one place the run executor is chosen: an object given in ``VMSDQ_EXECUTOR``, or
    ``thread`` (runs in this process, ``VMSDQ_RUN_WORKERS`` at a time)."""
    chosen = config.get("VMSDQ_EXECUTOR", "thread")
    if chosen == "thread":
        return ThreadExecutor(workers=int(config.get("VMSDQ_RUN_WORKERS", 2)))
    if hasattr(chosen, "submit"):
        executor: RunExecutor = chosen
        return executor
    raise ValueError(f"VMSDQ_EXECUTOR must be 'thread' or an executor object, not {chosen!r}")


def web_state() -> WebState:
    found: WebState = current_app.extensions["vmsdq"]
    return found


def ctx() -> Context:
    """The context of this request (one per request: sessions are not shared by threads)."""
    if "vmsdq_ctx" not in g:
        g.vmsdq_ctx = web_state().context()
    found: Context = g.vmsdq_ctx
    return found
