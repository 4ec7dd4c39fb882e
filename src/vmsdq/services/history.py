"""History series (overall, entity, dimension, rule) and their trends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vmsdq.analytics.trends import Point, Trend, compute_trend
from vmsdq.core.errors import NotFoundError
from vmsdq.core.history import HistoryPoint
from vmsdq.services.context import Context
from vmsdq.services.settings import in_force


@dataclass(frozen=True)
class Series:
    name: str  # "overall", "entity volunteer", "volunteer / validity", "rule volunteer.email..."
    points: list[HistoryPoint]


def history(
    ctx: Context,
    *,
    entity: str | None = None,
    rule: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[Series]:
    """A rule's series, or an entity's with its dimensions, or the overall one."""
    ctx.require("read")
    h = ctx.repos.history
    if rule is not None:
        found = h.rules(entity=entity, rule=rule, since=since, limit=limit).get(rule)
        if not found:
            raise NotFoundError(f"no history for rule '{rule}'")
        return [Series(f"rule {rule}", found)]
    if entity is not None:
        points = h.entities(entity=entity, since=since).get(entity)
        if not points:
            raise NotFoundError(f"no history for entity '{entity}'")
        dims = h.dimensions(entity=entity, since=since)
        return [Series(f"entity {entity}", _newest(points, limit))] + [
            Series(f"{entity} / {dim}", _newest(pts, limit)) for (_, dim), pts in dims.items()
        ]
    return [Series("overall", _newest(h.overall(since), limit))]


def trends(
    ctx: Context, *, entity: str | None = None, rule: str | None = None
) -> list[tuple[str, Trend]]:
    """Change vs previous run, 7 and 30 days ago, slope, direction, when the target is met:
    overall, every entity, and the dimensions of ``entity`` and the score of ``rule``."""
    ctx.require("read")
    settings = in_force(ctx).settings
    h = ctx.repos.history
    series = {"overall": h.overall()}
    series |= {f"entity {k}": v for k, v in h.entities(entity=entity).items()}
    if entity is not None:
        series |= {f"{e} / {d}": v for (e, d), v in h.dimensions(entity=entity).items()}
    if rule is not None:
        series |= {f"rule {k}": v for k, v in h.rules(rule=rule).items()}
    tolerance = settings.analytics.trend_tolerance
    return [
        (
            name,
            compute_trend(
                [Point(p.at, p.score, p.run_id) for p in pts if p.score is not None],
                target=settings.scoring.target,
                tolerance=tolerance,
            ),
        )
        for name, pts in series.items()
    ]


def _newest(points: list[HistoryPoint], limit: int | None) -> list[HistoryPoint]:
    return points[-limit:] if limit else points
