"""Anomalies of every history series (scores, row counts, rule failure rates) at one run.

Pure: the caller reads the history (``vmsdq.store``) and stores what is flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from vmsdq.analytics.detect import AnomalyParams, detect
from vmsdq.core.history import Anomaly, HistoryPoint
from vmsdq.scoring.settings import AnalyticsSpec

# metric -> smallest noise scale worth flagging (0.1 score points, 0.1 % failing, 1 row)
METRICS = {
    "overall_score": 0.1,
    "entity_score": 0.1,
    "dimension_score": 0.1,
    "entity_rows": 1.0,
    "rule_failure_pct": 0.1,
}
Key = tuple[str, str | None, str | None, str | None]  # metric, entity, dimension, rule
Series = list[tuple[str, datetime, float, float]]  # run_id, at, value, one counted item
COUNTED = {"rule_failure_pct"}  # percentages of counted rows: Poisson noise floor


def history_series(
    overall: list[HistoryPoint],
    entities: Mapping[str, list[HistoryPoint]],
    dimensions: Mapping[tuple[str, str], list[HistoryPoint]],
    rules: Mapping[str, list[HistoryPoint]],
    until: datetime,
) -> dict[Key, Series]:
    """Every series with its points up to ``until`` (inclusive)."""
    out: dict[Key, Series] = {}

    def add(key: Key, points: list[HistoryPoint], attr: str) -> None:
        kept = [
            (p.run_id, p.at, float(getattr(p, attr)), 100.0 / p.evaluated if p.evaluated else 0.0)
            for p in points
            if p.at <= until and getattr(p, attr) is not None
        ]
        if kept:
            out[key] = kept

    add(("overall_score", None, None, None), overall, "score")
    for ent, pts in entities.items():
        add(("entity_score", ent, None, None), pts, "score")
        add(("entity_rows", ent, None, None), pts, "rows")
    for (ent, dim), pts in dimensions.items():
        add(("dimension_score", ent, dim, None), pts, "score")
    for rule, pts in rules.items():
        add(("rule_failure_pct", rule.split(".", 1)[0], None, rule), pts, "failure_pct")
    return out


MIN_HISTORY = AnomalyParams().min_history  # points a series needs before one is judged


def too_short(points: int) -> bool:
    """True when a series of ``points`` points (the run's own included) cannot flag its last
    point: the detector needs ``min_history`` points before it in the window."""
    return points <= MIN_HISTORY


def flag_run(series: Mapping[Key, Series], run_id: str, settings: AnalyticsSpec) -> list[Anomaly]:
    """The anomalies of ``run_id``'s points, each judged against the history before it."""
    found: list[Anomaly] = []
    for key, points in series.items():
        if not points or points[-1][0] != run_id or too_short(len(points)):
            continue
        first = points[0][2]
        if all(p[2] == first for p in points):  # a flat series: every z-score is 0
            continue
        params = AnomalyParams(
            sensitivity=settings.anomaly_sensitivity,
            window_days=settings.anomaly_window_days,
            min_scale_abs=METRICS[key[0]],
        )
        units = [p[3] for p in points] if key[0] in COUNTED else None
        flags = detect([p[1] for p in points], [p[2] for p in points], params, units=units)
        metric, entity, dimension, rule = key
        found += [
            Anomaly(
                run_id,
                f.at,
                metric,
                entity,
                dimension,
                rule,
                f.value,
                f.expected,
                f.z,
                f.kind,
                params.sensitivity,
            )
            for f in flags
            if f.index == len(points) - 1
        ]
    return found
