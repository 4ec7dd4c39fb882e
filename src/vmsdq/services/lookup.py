"""Finding runs: ``latest``, a run's summary, a stored run's results (without scores)."""

from __future__ import annotations

from vmsdq.core.errors import NotFoundError
from vmsdq.core.results import RunResult, Verdict
from vmsdq.core.words import RunStatus
from vmsdq.services.context import Context
from vmsdq.store.artifacts import checked
from vmsdq.store.records import RunSummary


def resolve(ctx: Context, run_id: str) -> str:
    """``latest`` is the newest completed run; any other id is checked and returned."""
    if run_id != "latest":
        return checked(run_id, "run id")
    found = ctx.repos.runs.latest_id(status=RunStatus.completed)
    if found is None:
        raise NotFoundError("no runs yet; run `vmsdq validate` first")
    return found


def summary(ctx: Context, run_id: str) -> RunSummary:
    """The run's summary (``run_id`` may be 'latest'); NotFoundError when it is not ours."""
    ctx.require("read")
    run_id = resolve(ctx, run_id)
    found = ctx.repos.runs.summary(run_id)
    if found is None:
        raise NotFoundError(f"run '{run_id}' is not in the results database")
    return found


def stored_run(ctx: Context, run_id: str) -> RunResult:
    """A stored run with every entity and rule result, without its scores."""
    ctx.require("read")
    run_id = resolve(ctx, run_id)
    found = ctx.repos.runs.get(run_id)
    if found is None:
        raise NotFoundError(f"run '{run_id}' is not in the results database")
    return found


def verdict(ctx: Context, run: RunSummary, fail_under: float | None = None) -> Verdict:
    """``RunResult.verdict`` of a stored run from counts in SQL and its stored overall score,
    without loading its rule results (``GET /runs/{id}`` asks on every call)."""
    ctx.require("read")
    counts = ctx.repos.runs.rollup(run.run_id)
    if counts.errors or run.status in ("failed", "cancelled"):
        return Verdict.incomplete
    below = fail_under is not None and (run.score is None or run.score < fail_under)
    if counts.critical_failures or below:
        return Verdict.failed
    if counts.failing:
        return Verdict.warned
    return Verdict.passed
