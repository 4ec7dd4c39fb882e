"""The demo history plan: improving then degrading, weekly rhythm, a few anomaly days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vmsdq.demo.history import plan

END = datetime(2026, 11, 26, 6, tzinfo=UTC)  # a Thursday


def test_days_end_today_oldest_first() -> None:
    days = plan(60, volunteers=1000, seed=1, end=END)
    assert len(days) == 60
    assert days[-1].day == END and days[0].day == datetime(2026, 9, 28, 6, tzinfo=UTC)


def test_defects_fall_then_rise() -> None:
    days = [d for d in plan(60, volunteers=1000, seed=1, end=END) if not d.anomaly]
    weekday = [d for d in days if d.day.weekday() < 5]
    best = min(weekday, key=lambda d: d.defect_scale)
    assert weekday[0].defect_scale > 2.4 and best.defect_scale == pytest.approx(0.3, abs=0.1)
    assert weekday[-1].defect_scale == pytest.approx(1.5, abs=0.05)
    assert 30 <= (best.day - days[0].day).days <= 38


def test_weekends_have_fewer_defects() -> None:
    days = plan(60, volunteers=1000, seed=1, end=END)
    sat = next(d for d in days if d.day.weekday() == 5 and not d.anomaly)
    fri = next(d for d in days if d.day == sat.day - timedelta(days=1))
    assert sat.defect_scale < fri.defect_scale


def test_a_few_anomaly_days_after_the_warm_up_same_for_a_seed() -> None:
    days = plan(60, volunteers=1000, seed=1, end=END)
    spikes = [i for i, d in enumerate(days) if d.anomaly]
    assert len(spikes) == 3 and min(spikes) >= 21
    assert spikes == [
        i for i, d in enumerate(plan(60, volunteers=1000, seed=1, end=END)) if d.anomaly
    ]
    assert all(days[i].defect_scale == 6.0 for i in spikes)
    assert all(days[i].volunteers < 0.8 * days[i - 1].volunteers for i in spikes)
    assert max(d.defect_scale for d in plan(400, volunteers=10, seed=3, end=END)) <= 6.0


def test_volunteers_grow() -> None:
    days = plan(30, volunteers=1000, seed=1, end=END)
    assert (days[0].volunteers, days[-1].volunteers) == (1000, 1058)


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError, match="days must be at least 1, got 0"):
        plan(0, volunteers=10, seed=1)
