"""Trend math: changes, least-squares slope, direction with tolerance, target date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from vmsdq.analytics.trends import Point, compute_trend, direction_of, least_squares_slope

T0 = datetime(2026, 11, 1, 6, tzinfo=UTC)


def series(values: list[float], step_days: float = 1.0) -> list[Point]:
    return [Point(T0 + timedelta(days=i * step_days), v, f"r{i}") for i, v in enumerate(values)]


def test_slope_of_a_straight_line_is_exact() -> None:
    assert least_squares_slope(series([70, 70.5, 71, 71.5])) == pytest.approx(0.5)
    assert least_squares_slope(series([70, 71], step_days=2)) == pytest.approx(0.5)


def test_slope_is_least_squares_on_noisy_points() -> None:
    # x 0..3, y 1,3,2,4: dx -1.5,-.5,.5,1.5; dy -1.5,.5,-.5,1.5; sxy = 4, sxx = 5
    assert least_squares_slope(series([1, 3, 2, 4])) == pytest.approx(0.8)


def test_slope_needs_two_distinct_times() -> None:
    assert least_squares_slope(series([70])) is None
    same = [Point(T0, 70), Point(T0, 80)]
    assert least_squares_slope(same) is None


def test_changes_vs_previous_7_and_30_days() -> None:
    t = compute_trend(series([float(v) for v in range(40)]))  # +1 per day
    assert (t.last, t.change_previous, t.change_7d, t.change_30d) == (39, 1, 7, 30)
    assert t.points == 40


def test_change_since_uses_the_latest_point_at_or_before_the_cutoff() -> None:
    pts = [Point(T0, 60), Point(T0 + timedelta(days=5), 70), Point(T0 + timedelta(days=10), 75)]
    t = compute_trend(pts)
    assert t.change_7d == 15  # vs day 0 (day 3 is the cutoff; day 5 is after it)
    assert t.change_30d is None


@pytest.mark.parametrize(
    ("slope", "direction"),
    [
        (0.5, "improving"),
        (0.1, "stable"),
        (-0.1, "stable"),
        (-0.11, "declining"),
        (None, "unknown"),
    ],
)
def test_direction_with_tolerance(slope: float | None, direction: str) -> None:
    assert direction_of(slope, 0.1) == direction


def test_direction_when_lower_is_better() -> None:
    assert direction_of(-2.0, 0.1, higher_is_better=False) == "improving"


def test_target_date_at_current_rate() -> None:
    t = compute_trend(series([70, 70.5, 71, 71.5, 72]))  # 72 on Nov 5, +0.5/day
    assert t.direction == "improving"
    assert t.target_date == date(2026, 12, 1)  # (85 - 72) / 0.5 = 26 days
    assert t.target_note == "at this rate the target of 85 is reached on 2026-12-01"


def test_target_not_reached_when_declining_or_met() -> None:
    assert compute_trend(series([72, 71, 70])).target_note == (
        "target 85 is not reached at this rate"
    )
    t = compute_trend(series([80, 86]), target=85)
    assert (t.target_date, t.target_note) == (None, "target 85 already met (86.0)")


def test_slope_uses_only_the_last_30_days() -> None:
    old = [Point(T0 - timedelta(days=100), 0.0)]
    t = compute_trend(old + series([80, 80, 80]))
    assert t.slope_per_day == pytest.approx(0.0)
    assert t.direction == "stable"


def test_empty_series() -> None:
    t = compute_trend([])
    assert (t.last, t.direction, t.target_note) == (None, "unknown", "no history yet")
