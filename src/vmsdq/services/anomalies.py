"""Anomalies: flagged on each run against the history before it, listed, rescanned."""

from __future__ import annotations

from datetime import datetime, timedelta

from vmsdq.analytics.anomalies import MIN_HISTORY, flag_run, history_series, too_short
from vmsdq.core.history import Anomaly
from vmsdq.scoring.settings import AnalyticsSpec
from vmsdq.services.context import Context
from vmsdq.services.lookup import resolve
from vmsdq.services.settings import in_force


def detect_for_run(
    ctx: Context, run_id: str, at: datetime, settings: AnalyticsSpec
) -> list[Anomaly]:
    """Flag the points of ``run_id`` against the history before it; replace its anomalies.

    A series has at most one point per run: when the window holds too few runs for any
    series to be judged, the history (runs x rules rows) is not read at all."""
    since = at - timedelta(days=2 * settings.anomaly_window_days)
    history = ctx.repos.history.including(run_id)
    runs = history.runs_between(since)
    if too_short(sum(1 for _, started in runs if started <= at)):
        ctx.repos.anomalies.replace(run_id, [])
        return []
    series = history_series(
        history.overall(since),
        history.entities(since=since),
        history.dimensions(since=since),
        history.varying_rules(since, MIN_HISTORY),  # a flat series flags nothing
        at,
    )
    found = flag_run(series, run_id, settings)
    ctx.repos.anomalies.replace(run_id, found)
    return found


def list_anomalies(
    ctx: Context,
    *,
    run_id: str | None = None,
    entity: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[Anomaly]:
    """Stored anomalies, newest first (``run_id`` may be 'latest')."""
    ctx.require("read")
    run = resolve(ctx, run_id) if run_id is not None else None
    return ctx.repos.anomalies.list(run_id=run, entity=entity, since=since, limit=limit)


def rescan(ctx: Context) -> tuple[int, float]:
    """Recompute the anomalies of every completed run under the settings in force.
    Returns (anomalies found, sensitivity used)."""
    ctx.require("run")
    settings = in_force(ctx).settings.analytics
    runs = ctx.repos.history.runs_between()
    found = sum(len(detect_for_run(ctx, run_id, at, settings)) for run_id, at in runs)
    return found, settings.anomaly_sensitivity
