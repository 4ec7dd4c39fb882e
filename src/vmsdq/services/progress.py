"""Live progress of a run: rules done per entity as they happen, and estimates of the rest.

A validate step records how many of its rules have been evaluated at each stage of the
engine (:class:`StepTracker`). :func:`estimate` turns the stored steps into percent done,
rows and an ETA per step and overall, timing each step by the same step of the last
completed run (or, the first time, by its rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vmsdq.core.words import RunStatus
from vmsdq.services import run_steps
from vmsdq.services.context import Context
from vmsdq.services.lookup import resolve
from vmsdq.services.plan import plan_run
from vmsdq.store.records import RunSummary, StepRecord

# First guesses, before any run of the project has been timed (measured on 2 cores, demo data)
VALIDATED_PER_SECOND = 50_000.0
READ_SECONDS = 0.2
MIN_SECONDS = 0.1
RUNNING_CAP = 0.95  # a running step never shows done until it is
DONE = ("completed", "failed", "cancelled")


class RunStopped(BaseException):  # noqa: N818 (not an error: the run was stopped on purpose)
    """Raised inside a task whose run was cancelled or failed meanwhile; stops the work.

    A BaseException, like KeyboardInterrupt, so the engine's per-entity error handling does
    not record it as the entity's error.
    """


class StepTracker:
    """``progress(entity, stage)`` callback of a validate step: stores rules done so far and
    stops the work when the run was cancelled or failed meanwhile."""

    def __init__(self, ctx: Context, run_id: str, entity: str) -> None:
        self.ctx, self.run_id, self.entity = ctx, run_id, entity
        plan = plan_run(ctx.project, [entity]).entity(entity)
        self._rules = {c.name: c.checks for c in plan.compiled}
        self._done: dict[str, int] = {}

    def __call__(self, part: str, stage: str) -> None:
        checks = self._rules.get(part, ())
        if stage == "table checks":  # the row checks of this part are evaluated
            self._done[part] = sum(1 for c in checks if c.scope == "row")
        elif stage == "failures":  # every check of this part is evaluated
            self._done[part] = len(checks)
        self.ctx.repos.steps.progress(
            self.run_id, run_steps.VALIDATE, self.entity, rules_done=sum(self._done.values())
        )
        stop_if_finished(self.ctx, self.run_id)


def stop_if_finished(ctx: Context, run_id: str) -> None:
    """RunStopped when the run was cancelled or failed (by a user or its time limit)."""
    found = run_steps.run_state(ctx, run_id)
    if found is not None and found.status in (RunStatus.cancelled, RunStatus.failed):
        raise RunStopped(f"run {run_id} is {found.status}: {found.message}")


@dataclass(frozen=True)
class StepProgress:
    kind: str
    name: str
    status: str
    percent: float
    rows: int
    rules_done: int
    rules_total: int
    seconds: float  # spent so far (or in all, when done)
    expected: float  # what the whole step should take
    attempts: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "percent": round(self.percent, 1),
            "rows": self.rows,
            "rules_done": self.rules_done,
            "rules_total": self.rules_total,
            "seconds": round(self.seconds, 2),
            "expected_seconds": round(self.expected, 2),
            "attempts": self.attempts,
            "message": self.message,
        }


@dataclass(frozen=True)
class RunProgress:
    run_id: str
    status: str
    message: str
    percent: float
    rows_read: int
    rows_validated: int
    elapsed: float
    eta: float | None  # seconds left, None once finished
    steps: list[StepProgress]

    @property
    def finished(self) -> bool:
        return RunStatus(self.status).finished

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "message": self.message,
            "percent": round(self.percent, 1),
            "rows_read": self.rows_read,
            "rows_validated": self.rows_validated,
            "elapsed_seconds": round(self.elapsed, 2),
            "eta_seconds": round(self.eta, 1) if self.eta is not None else None,
            "steps": [s.to_dict() for s in self.steps],
        }


def estimate(ctx: Context, run_id: str, *, now: datetime | None = None) -> RunProgress:
    """Percent done, rows and ETA of a run and of each of its steps, from what is stored."""
    ctx.require("read")
    run_id = resolve(ctx, run_id)
    summary = ctx.repos.runs.summary(run_id)
    assert summary is not None
    steps = ctx.repos.steps.list(run_id)
    at = now or ctx.clock()
    previous = _previous_durations(ctx, summary)
    rows = {s.name: s.rows for s in steps if s.kind == run_steps.READ}
    parts = [_step(s, at, _expected(s, previous, rows)) for s in steps]
    return _overall(summary, parts, at)


def _step(s: StepRecord, now: datetime, expected: float) -> StepProgress:
    if s.status in DONE:
        spent = _seconds(s.started_at, s.finished_at) if s.started_at else 0.0
        percent = 100.0
    elif s.status == "running" and s.started_at is not None:
        spent = _seconds(s.started_at, now)
        by_time = min(RUNNING_CAP, spent / expected) if expected else 0.0
        by_rules = min(RUNNING_CAP, s.rules_done / s.rules_total) if s.rules_total else 0.0
        percent = 100.0 * max(by_time, by_rules)
    else:
        spent, percent = 0.0, 0.0
    return StepProgress(
        kind=s.kind,
        name=s.name,
        status=s.status,
        percent=percent,
        rows=s.rows,
        rules_done=s.rules_done,
        rules_total=max(s.rules_total, s.rules_done),  # quarantined records add a rule
        seconds=spent,
        expected=max(expected, spent),
        attempts=s.attempts,
        message=s.message,
    )


def _overall(summary: RunSummary, parts: list[StepProgress], now: datetime) -> RunProgress:
    total = sum(p.expected for p in parts)
    done = sum(p.expected * p.percent / 100.0 for p in parts)
    finished = RunStatus(summary.status).finished
    percent = (
        100.0 if summary.status == RunStatus.completed else 100.0 * done / total if total else 0.0
    )
    running = sum(1 for p in parts if p.status == "running")
    eta = None if finished else max(0.0, total - done) / max(1, running)
    end = summary.finished_at if finished and summary.finished_at else now
    return RunProgress(
        run_id=summary.run_id,
        status=str(summary.status),
        message=summary.message,
        percent=percent,
        rows_read=sum(p.rows for p in parts if p.kind == run_steps.READ),
        rows_validated=sum(
            p.rows for p in parts if p.kind == run_steps.VALIDATE and p.status in DONE
        ),
        elapsed=_seconds(summary.started_at, end),
        eta=eta,
        steps=parts,
    )


def _expected(s: StepRecord, previous: dict[tuple[str, str], float], rows: dict[str, int]) -> float:
    found = previous.get((s.kind, s.name))
    if found is not None:
        return max(found, MIN_SECONDS)
    if s.kind == run_steps.READ:
        return READ_SECONDS
    return 2 * READ_SECONDS + rows.get(s.name, 0) / VALIDATED_PER_SECOND


_DURATIONS: dict[tuple[str, str, str], dict[tuple[str, str], float]] = {}


def _previous_durations(ctx: Context, current: RunSummary) -> dict[tuple[str, str], float]:
    """How long each step took in the newest completed run (cached: a finished run's steps
    never change)."""
    page = ctx.repos.runs.page(status=str(RunStatus.completed), until=current.started_at, limit=1)
    if not page.items:
        return {}
    previous = page.items[0].run_id
    key = (ctx.tenant, ctx.project.spec.name, previous)
    found = _DURATIONS.get(key)
    if found is None:
        found = {
            (s.kind, s.name): _seconds(s.started_at, s.finished_at)
            for s in ctx.repos.steps.list(previous)
            if s.started_at is not None and s.finished_at is not None
        }
        if len(_DURATIONS) > 256:
            _DURATIONS.clear()
        _DURATIONS[key] = found
    return found


def _seconds(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return max(0.0, (end - start).total_seconds())
