"""Anomaly detection on one series: robust z-score (median / MAD) over a rolling window,
with the weekly profile removed. Pure functions; storage lives in ``anomalies.py``."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

MAD_TO_SIGMA = 1.4826  # MAD x this estimates the standard deviation of normal noise
MEAN_AD_TO_SIGMA = 1.2533  # fallback when more than half the baseline is identical
MIN_PER_WEEKDAY = 3  # points per weekday needed to estimate the weekly profile


@dataclass(frozen=True)
class AnomalyParams:
    """Detector settings. ``sensitivity`` is the robust z-score above which a point is flagged
    (lower = more sensitive)."""

    sensitivity: float = 3.5
    window_days: int = 42
    min_history: int = 21
    seasonal: bool = True
    shift_run: int = 3  # this many flags in a row in one direction = a level shift: re-baseline
    min_scale_abs: float = 1e-6
    min_scale_rel: float = 0.005  # the noise scale is at least this share of |median|


@dataclass(frozen=True)
class Flag:
    index: int
    at: datetime
    value: float
    expected: float
    z: float
    kind: str  # spike | level_shift

    @property
    def direction(self) -> str:
        return "up" if self.value > self.expected else "down"


def detect(
    times: Sequence[datetime],
    values: Sequence[float],
    params: AnomalyParams | None = None,
    *,
    units: Sequence[float] | None = None,
) -> list[Flag]:
    """Flag the anomalous points of a series (``times`` ascending, one value each).

    ``units`` marks a series of counts: for each point, the value of one counted item (e.g.
    100 / rows evaluated for a failure percentage). The noise scale is then at least the
    Poisson spread of the expected count, so a rule failing on 1 row one day and 2 the next
    is not an anomaly.

    A point is compared with the points of the previous ``window_days`` days. After
    ``shift_run`` same-direction flags in a row the series has shifted: the earlier points are
    moved by the size of the shift, so the baseline (and its weekly profile) follows the new
    level at once instead of flagging every later point.
    """
    p = params or AnomalyParams()
    vals = list(values)
    flags: list[Flag] = []
    run: list[Flag] = []
    lo = 0
    for i in range(len(vals)):
        while lo < i and (times[i] - times[lo]).total_seconds() > p.window_days * 86400:
            lo += 1
        if i - lo < p.min_history:
            continue
        unit = units[i] if units is not None else 0.0
        flag = score_point(times[lo:i], vals[lo:i], times[i], vals[i], p, i, unit=unit)
        if flag is None:
            run = []
            continue
        same_way = run and run[-1].index == i - 1 and run[-1].direction == flag.direction
        run = [*run, flag] if same_way else [flag]
        flags.append(flag)
        if len(run) >= p.shift_run:
            shift = median(f.value - f.expected for f in run)
            vals[: run[0].index] = [v + shift for v in vals[: run[0].index]]
            flags = _relabel(flags, {f.index for f in run}, "level_shift")
            run = []
    return flags


def score_point(
    times: Sequence[datetime],
    values: Sequence[float],
    at: datetime,
    value: float,
    p: AnomalyParams,
    index: int = -1,
    *,
    unit: float = 0.0,
) -> Flag | None:
    """Robust z-score of ``value`` against the baseline ``values``; a Flag when above threshold.

    The weekly profile is removed only when it explains the baseline: the mean absolute
    deviation shrinks by a fifth or more. Otherwise it would only add noise.
    """
    center = median(values)
    scale = robust_scale(values, center, p)
    offset = 0.0
    profile = weekly_profile(times, values) if p.seasonal else {}
    if profile:
        adjusted = [v - profile[t.weekday()] for t, v in zip(times, values, strict=True)]
        adj_center = median(adjusted)
        # in-sample weekday medians understate the spread and carry their own error:
        # widen by sqrt((n + 1) / (n - 1)) for n points per weekday
        n = min(Counter(t.weekday() for t in times).values())
        widen = math.sqrt((n + 1) / (n - 1))
        if _mean_ad(adjusted, adj_center) * widen < 0.8 * _mean_ad(values, center):
            center, offset = adj_center, profile.get(at.weekday(), 0.0)
            scale = robust_scale(adjusted, adj_center, p) * widen
    expected = center + offset
    if unit > 0:  # Poisson spread of the expected count, in the series' units
        scale = max(scale, math.sqrt(max(abs(expected), unit) * unit))
    z = (value - expected) / scale
    if abs(z) <= p.sensitivity:
        return None
    return Flag(index, at, value, expected, z, "spike")


def _mean_ad(values: Sequence[float], center: float) -> float:
    return sum(abs(v - center) for v in values) / len(values)


def weekly_profile(times: Sequence[datetime], values: Sequence[float]) -> dict[int, float]:
    """Median offset of each weekday from the overall median; empty unless every weekday has
    at least three points (otherwise the profile would be mostly noise)."""
    by_day: dict[int, list[float]] = {}
    for t, v in zip(times, values, strict=True):
        by_day.setdefault(t.weekday(), []).append(v)
    if len(by_day) < 7 or min(len(v) for v in by_day.values()) < MIN_PER_WEEKDAY:
        return {}
    overall = median(values)
    return {d: median(v) - overall for d, v in by_day.items()}


def robust_scale(values: Sequence[float], center: float, p: AnomalyParams) -> float:
    deviations = [abs(v - center) for v in values]
    scale = MAD_TO_SIGMA * median(deviations)
    if scale == 0:
        scale = MEAN_AD_TO_SIGMA * sum(deviations) / len(deviations)
    return max(scale, p.min_scale_abs, p.min_scale_rel * abs(center))


def _relabel(flags: list[Flag], indexes: set[int], kind: str) -> list[Flag]:
    return [
        Flag(f.index, f.at, f.value, f.expected, f.z, kind) if f.index in indexes else f
        for f in flags
    ]
