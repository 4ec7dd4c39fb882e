"""Anomaly detection on small synthetic series."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from vmsdq.analytics.detect import AnomalyParams, detect

T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)  # a Monday


def days(n: int) -> list[datetime]:
    return [T0 + timedelta(days=i) for i in range(n)]


def noisy(n: int, level: float = 80.0, sigma: float = 1.0, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [level + rng.gauss(0, sigma) for _ in range(n)]


def test_quiet_series_has_no_anomaly() -> None:
    assert detect(days(60), noisy(60)) == []


def test_spike_is_flagged_with_expected_value_and_direction() -> None:
    values = noisy(60)
    values[40] = 60.0
    flags = detect(days(60), values)
    assert [(f.index, f.kind, f.direction) for f in flags] == [(40, "spike", "down")]
    assert abs(flags[0].expected - 80) < 1.0 and flags[0].z < -3.5


def test_sensitivity_is_the_z_threshold() -> None:
    values = noisy(60)
    values[40] = 85.0  # about 5 sigma
    assert [f.index for f in detect(days(60), values)] == [40]
    assert detect(days(60), values, AnomalyParams(sensitivity=8)) == []


def test_level_shift_is_flagged_once_then_rebaselined() -> None:
    values = noisy(80)
    values[40:] = [v - 10 for v in values[40:]]
    flags = detect(days(80), values)
    assert [(f.index, f.kind) for f in flags] == [(i, "level_shift") for i in (40, 41, 42)]


def test_weekly_pattern_is_not_an_anomaly_but_a_broken_one_is() -> None:
    t = days(70)
    values = [v - (15 if d.weekday() >= 5 else 0) for d, v in zip(t, noisy(70), strict=True)]
    assert detect(t, values) == []
    assert detect(t, values, AnomalyParams(seasonal=False)) != []  # why seasonality matters
    values[51] -= 15  # a Wednesday at weekend level
    assert [(f.index, f.at.weekday()) for f in detect(t, values)] == [(51, 2)]


def test_constant_series_uses_a_floor_on_the_noise_scale() -> None:
    values = [100.0] * 40
    values[30] = 99.9  # within 0.5 % of the level: not an anomaly
    values[35] = 90.0
    assert [f.index for f in detect(days(40), values)] == [35]


def test_too_little_history_is_not_evaluated() -> None:
    values = noisy(13)
    values[12] = 0.0
    assert detect(days(13), values) == []


def test_counted_series_ignore_one_row_changes_but_not_real_jumps() -> None:
    # a rule on 44 rows failing on 1 row a day, sometimes 0 or 2: 2.27 % +- 2.27
    rng = random.Random(4)
    counts = [rng.choice([1, 1, 1, 1, 0, 2]) for _ in range(40)]
    counts[35] = 10
    values = [100 * c / 44 for c in counts]
    units = [100 / 44] * 40
    assert detect(days(40), values) != []  # as a plain series every wobble looks anomalous
    assert [f.index for f in detect(days(40), values, units=units)] == [35]


def test_too_short_is_exactly_where_the_last_point_can_first_be_flagged() -> None:
    # the finish step skips reading the history when too_short(runs in the window) holds
    from vmsdq.analytics.anomalies import too_short

    need = AnomalyParams().min_history
    for n in (need, need + 1):
        values = noisy(n)
        values[-1] = 0.0  # a spike on the last point
        flagged = [f.index for f in detect(days(n), values)] == [n - 1]
        assert flagged is not too_short(n), n


def test_a_flat_series_flags_nothing_whatever_its_weekdays_and_units() -> None:
    # flag_run skips flat series without running the detector
    for value in (0.0, 37.5, 100.0):
        assert detect(days(60), [value] * 60) == []
        assert detect(days(60), [value] * 60, units=[100.0] * 60) == []
        assert detect(days(60), [value] * 60, AnomalyParams(seasonal=False)) == []
