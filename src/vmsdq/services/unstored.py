"""A run whose results database went away after it started: finished in memory.

The entity results already computed are copied into an in-memory store, the steps left are
done there, and the run is scored there. Its failure files and snapshots stay in the
artifact folder, so ``vmsdq runs resume`` stores it once the database is back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vmsdq.core.errors import TransientError
from vmsdq.core.results import EntityResult, RunResult
from vmsdq.services import run_steps
from vmsdq.services.context import Context
from vmsdq.store.db import Database

READ, VALIDATE = run_steps.READ, run_steps.VALIDATE


class RunNotStoredError(TransientError):
    """The run was validated and scored in memory, but its results could not be stored."""

    def __init__(self, message: str, run: RunResult) -> None:
        super().__init__(message, run)  # both in args: the error stays picklable
        self.run = run

    def __str__(self) -> str:
        return str(self.args[0])


def in_memory(
    ctx: Context,
    run_id: str,
    plan: dict[str, Any],
    started: datetime,
    done: dict[str, EntityResult],
) -> Context:
    """A scratch context holding the run as far as it got: views archived, entities done."""
    scratch = Context(
        project=ctx.project,
        db=Database.connect("sqlite://"),
        artifacts=ctx.artifacts,
        actor=ctx.actor,
        clock=ctx.clock,
        tenant=ctx.tenant,
        scratch=True,
    )
    steps = [{"kind": READ, "name": v, "rules_total": 0} for v in plan["reads"]]
    steps += [{"kind": VALIDATE, "name": e, "rules_total": 0} for e in plan["entities"]]
    scratch.repos.runs.create(run_id, started, plan, steps)
    scratch.repos.runs.set_status(run_id, "running", ctx.clock())
    for view in plan["reads"]:
        snap = ctx.artifacts.snapshot(run_id, view)
        if snap is not None:
            rows = int(snap.meta.get("rows", 0))
            scratch.repos.steps.finish(run_id, READ, view, "completed", ctx.clock(), rows=rows)
    for position, entity in enumerate(plan["entities"]):
        if entity in done:
            result = done[entity]
            scratch.repos.results.save_entity(run_id, position, result)
            scratch.repos.steps.finish(
                run_id, VALIDATE, entity, "completed", ctx.clock(),
                rows=result.rows, rules_done=len(result.rules), message=result.message,
            )  # fmt: skip
    scratch.repos.runs.refresh_counts(run_id)
    return scratch


def not_stored(ctx: Context, run: RunResult, cause: Exception) -> RunNotStoredError:
    """The error saying what happened, where the run's files are and how to store it."""
    folder = ctx.artifacts.run_dir(run.run_id)
    root = ctx.project.root
    message = (
        f"The results of run {run.run_id} could not be stored: {cause}\n"
        f"They were computed in memory (shown above) and are not in the results database.\n"
        f"The run's failure files and snapshots are kept in {folder}\n"
        f"When the results database is back, store the run with: "
        f"vmsdq runs resume {run.run_id} --project {root}"
    )
    return RunNotStoredError(message, run)
