"""Change checks of a run's results, judged against the results store (docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core.results import EntityResult
from vmsdq.engine.change import judge_change
from vmsdq.services.context import Context

WINDOW = timedelta(days=7)  # compare_to: mean_7d


def apply_changes(
    ctx: Context, compiled: Iterable[CompiledEntity], result: EntityResult, started: datetime
) -> None:
    """Judge every change check of ``result`` against the completed runs before ``started``:
    the previous one's observed value, or the mean of those of the last 7 days."""
    checks = {c.name: c for e in compiled for c in e.checks if c.change is not None}
    if not checks or not any(r.rule in checks for r in result.rules):
        return
    history = ctx.repos.results.observed_before(sorted(checks), started)
    for rule in result.rules:
        check = checks.get(rule.rule)
        if check is not None:
            points = history.get(rule.rule, [])
            judge_change(rule, check, _baseline(check, points, started))


def _baseline(
    check: Check, points: list[tuple[datetime, float]], started: datetime
) -> float | None:
    """The previous value, or the mean of the values of the 7 days before ``started``."""
    if not points or check.change is None:
        return None
    if check.change.compare_to == "previous":
        return points[-1][1]
    recent = [value for at, value in points if at >= _aware(started) - WINDOW]
    return sum(recent) / len(recent) if recent else None


def _aware(moment: datetime) -> datetime:
    """The store gives aware UTC start times; a run's own may be naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
