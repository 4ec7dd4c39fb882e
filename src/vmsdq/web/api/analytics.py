"""History, trends, anomalies and the overview the dashboard opens on."""

from __future__ import annotations

from typing import Any

from vmsdq.services import anomalies, dashboard, history
from vmsdq.services.views import anomaly_view, overview_view, series_view, trend_view
from vmsdq.web.api import bp, models
from vmsdq.web.api.spec import Operation, operation, utc
from vmsdq.web.reads import CachedView, cached_view
from vmsdq.web.state import ctx


@operation(
    bp,
    Operation(
        "/overview",
        "GET",
        "get_overview",
        "Newest scores, score trend, recent runs, open anomalies, the rules to fix first",
        "analytics",
        response=models.Overview,
    ),
)
def get_overview() -> CachedView:
    return cached_view(lambda: overview_view(dashboard.overview(ctx())))


@operation(
    bp,
    Operation(
        "/history",
        "GET",
        "get_history",
        "Score series: overall, an entity and its dimensions, or a rule",
        "analytics",
        query=models.HistoryQuery,
        response=models.HistoryList,
    ),
)
def get_history(query: models.HistoryQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        found = history.history(
            ctx(), entity=query.entity, rule=query.rule, since=utc(query.since), limit=query.limit
        )
        return {"items": [series_view(s) for s in found]}

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/trends",
        "GET",
        "get_trends",
        "Change over time, slope, direction, target date",
        "analytics",
        query=models.TrendsQuery,
        response=models.TrendList,
    ),
)
def get_trends(query: models.TrendsQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        found = history.trends(ctx(), entity=query.entity, rule=query.rule)
        return {"items": [trend_view(name, t) for name, t in found]}

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/anomalies",
        "GET",
        "list_anomalies",
        "Anomalies flagged on runs, newest first",
        "analytics",
        query=models.AnomaliesQuery,
        response=models.AnomalyList,
    ),
)
def list_anomalies(query: models.AnomaliesQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        found = anomalies.list_anomalies(
            ctx(), run_id=query.run, entity=query.entity, since=utc(query.since), limit=query.limit
        )
        return {"items": [anomaly_view(a) for a in found]}

    return cached_view(compute)
