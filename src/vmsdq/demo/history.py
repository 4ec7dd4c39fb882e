"""The plan of the demo's simulated daily history: data that improves, then degrades, with a
weekly rhythm and a few injected anomaly days (``vmsdq.services.demo`` runs it)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

IMPROVE_SHARE = 0.6  # the first 60 % of the days improve, the rest degrade
START_SCALE, BEST_SCALE, END_SCALE = 2.5, 0.3, 1.5  # overall score ~72 -> ~92 -> ~76
WEEKEND_FACTOR = 0.85  # fewer new defects on weekends (less data entry)
ANOMALY_EVERY = 20  # about one anomaly day per this many days
WARM_UP = 21  # no anomaly day before the detector has this much history (AnomalyParams)
ANOMALY_LOAD = 0.7  # an anomaly day is a partial load: 70 % of the records...
MAX_SCALE = 6.0  # ...with this many defects


@dataclass(frozen=True)
class DayPlan:
    day: datetime
    defect_scale: float
    volunteers: int
    anomaly: bool


def plan(days: int, *, volunteers: int, seed: int, end: datetime | None = None) -> list[DayPlan]:
    """The simulated days, oldest first, ending at ``end`` (default: today 06:00 UTC).

    The defect scale falls linearly from 2.5 to 0.3 over the first 60 % of the days, then
    rises to 1.5; weekends have 15 % fewer defects; about one day in 20 (never in the first
    three weeks, the detector's warm-up) is a bad partial load: 70 % of the volunteers and the
    defect scale at 6. Volunteers grow by 0.2 % a day.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    last = end or datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    candidates = list(range(WARM_UP, days))
    anomalies = set(rng.sample(candidates, min(len(candidates), days // ANOMALY_EVERY)))
    out = []
    for i in range(days):
        day = last - timedelta(days=days - 1 - i)
        scale = _trend(i, days) * (WEEKEND_FACTOR if day.weekday() >= 5 else 1.0)
        people = volunteers * (1 + 0.002 * i)
        if i in anomalies:
            scale, people = MAX_SCALE, people * ANOMALY_LOAD
        out.append(DayPlan(day, round(scale, 4), int(people), i in anomalies))
    return out


def _trend(i: int, days: int) -> float:
    if days == 1:
        return 1.0
    turn = max(1, round((days - 1) * IMPROVE_SHARE))
    if i <= turn:
        return START_SCALE + (BEST_SCALE - START_SCALE) * i / turn
    return BEST_SCALE + (END_SCALE - BEST_SCALE) * (i - turn) / max(1, days - 1 - turn)
