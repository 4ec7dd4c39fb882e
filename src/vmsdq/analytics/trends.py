"""Trend of one history series: changes, least-squares slope, direction, date the target is met."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

DAY = 86400.0
DEFAULT_TOLERANCE = 0.1  # points per day: |slope| at most this is "stable"


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    run_id: str = ""


@dataclass(frozen=True)
class Trend:
    """Where a series stands and where it is heading (higher is better unless stated)."""

    last: float | None
    change_previous: float | None
    change_7d: float | None
    change_30d: float | None
    slope_per_day: float | None
    direction: str  # improving | stable | declining | unknown
    tolerance: float
    target: float
    target_date: date | None
    target_note: str
    points: int


def compute_trend(
    points: Sequence[Point],
    *,
    target: float = 85.0,
    tolerance: float = DEFAULT_TOLERANCE,
    slope_days: float = 30.0,
    higher_is_better: bool = True,
) -> Trend:
    """Trend of ``points`` (any order).

    Args:
        points: the series; at most one value per run.
        target: the score to reach (``ScoringSpec.target``).
        tolerance: a slope within +/- this many points per day counts as stable.
        slope_days: the least-squares slope uses the points of the last ``slope_days`` days.
        higher_is_better: False for series such as failed rows.
    """
    pts = sorted(points, key=lambda p: p.at)
    if not pts:
        return Trend(
            None, None, None, None, None, "unknown", tolerance, target, None, "no history yet", 0
        )
    last = pts[-1]
    recent = [p for p in pts if (last.at - p.at).total_seconds() <= slope_days * DAY]
    slope = least_squares_slope(recent)
    direction = direction_of(slope, tolerance, higher_is_better)
    when, note = target_eta(last, slope, target, tolerance)
    return Trend(
        last=last.value,
        change_previous=last.value - pts[-2].value if len(pts) > 1 else None,
        change_7d=_change_since(pts, 7),
        change_30d=_change_since(pts, 30),
        slope_per_day=slope,
        direction=direction,
        tolerance=tolerance,
        target=target,
        target_date=when,
        target_note=note,
        points=len(pts),
    )


def least_squares_slope(points: Sequence[Point]) -> float | None:
    """Ordinary least-squares slope in value per day; None with fewer than two distinct times."""
    if len(points) < 2:
        return None
    t0 = points[0].at
    xs = [(p.at - t0).total_seconds() / DAY for p in points]
    ys = [p.value for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def direction_of(slope: float | None, tolerance: float, higher_is_better: bool = True) -> str:
    if slope is None:
        return "unknown"
    if abs(slope) <= tolerance:
        return "stable"
    return "improving" if (slope > 0) == higher_is_better else "declining"


def target_eta(
    last: Point, slope: float | None, target: float, tolerance: float
) -> tuple[date | None, str]:
    """The date a score reaches ``target`` at the current slope, from the last value."""
    if last.value >= target:
        return None, f"target {target:g} already met ({last.value:.1f})"
    if slope is None or slope <= tolerance:
        return None, f"target {target:g} is not reached at this rate"
    days = (target - last.value) / slope
    when = (last.at + timedelta(days=days)).date()
    return when, f"at this rate the target of {target:g} is reached on {when.isoformat()}"


def _change_since(pts: Sequence[Point], days: int) -> float | None:
    """Last value minus the latest value at or before ``days`` days before the last point."""
    cutoff = pts[-1].at - timedelta(days=days)
    before = [p for p in pts if p.at <= cutoff]
    return pts[-1].value - before[-1].value if before else None
