"""Anomalies of every history series (scores, row counts, rule failure rates), stored per run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from vmsdq.analytics.detect import AnomalyParams, detect
from vmsdq.analytics.history import (
    HistoryPoint,
    dimension_history,
    entity_history,
    overall_history,
    rule_history,
)
from vmsdq.scoring.settings import AnalyticsSpec
from vmsdq.store import ResultsStore
from vmsdq.store.models import Run
from vmsdq.store.models_analytics import AnomalyRow

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


@dataclass(frozen=True)
class Anomaly:
    run_id: str
    at: datetime
    metric: str
    entity: str | None
    dimension: str | None
    rule: str | None
    value: float
    expected: float
    z: float
    kind: str
    sensitivity: float

    @property
    def subject(self) -> str:
        return self.rule or "/".join(x for x in (self.entity, self.dimension) if x) or "overall"

    def describe(self) -> str:
        return (
            f"{self.at:%Y-%m-%d} {self.metric} {self.subject}: {self.value:.2f} "
            f"(expected {self.expected:.2f}, z {self.z:+.1f}, {self.kind})"
        )


def history_series(store: ResultsStore, since: datetime, until: datetime) -> dict[Key, Series]:
    """Every series with its points between ``since`` and ``until`` (inclusive)."""
    out: dict[Key, Series] = {}

    def add(key: Key, points: list[HistoryPoint], attr: str) -> None:
        kept = [
            (p.run_id, p.at, float(getattr(p, attr)), 100.0 / p.evaluated if p.evaluated else 0.0)
            for p in points
            if p.at <= until and getattr(p, attr) is not None
        ]
        if kept:
            out[key] = kept

    add(("overall_score", None, None, None), overall_history(store, since), "score")
    for ent, pts in entity_history(store, since=since).items():
        add(("entity_score", ent, None, None), pts, "score")
        add(("entity_rows", ent, None, None), pts, "rows")
    for (ent, dim), pts in dimension_history(store, since=since).items():
        add(("dimension_score", ent, dim, None), pts, "score")
    for rule, pts in rule_history(store, since=since).items():
        entity = rule.split(".", 1)[0]
        add(("rule_failure_pct", entity, None, rule), pts, "failure_pct")
    return out


def detect_for_run(
    store: ResultsStore, run_id: str, at: datetime, settings: AnalyticsSpec
) -> list[Anomaly]:
    """Flag the points of ``run_id`` against the history before it; replace its stored anomalies."""
    since = at - timedelta(days=2 * settings.anomaly_window_days)
    found: list[Anomaly] = []
    for key, series in history_series(store, since, at).items():
        if not series or series[-1][0] != run_id:
            continue
        params = AnomalyParams(
            sensitivity=settings.anomaly_sensitivity,
            window_days=settings.anomaly_window_days,
            min_scale_abs=METRICS[key[0]],
        )
        units = [s[3] for s in series] if key[0] in COUNTED else None
        flags = detect([s[1] for s in series], [s[2] for s in series], params, units=units)
        last = len(series) - 1
        found += [
            _anomaly(key, run_id, f.at, f.value, f.expected, f.z, f.kind, params)
            for f in flags
            if f.index == last
        ]
    save_anomalies(store, run_id, found)
    return found


def save_anomalies(store: ResultsStore, run_id: str, found: list[Anomaly]) -> None:
    rows = [{"tenant_id": store.tenant, **a.__dict__} for a in found]
    with store.session() as s:
        s.execute(
            delete(AnomalyRow).where(
                AnomalyRow.tenant_id == store.tenant, AnomalyRow.run_id == run_id
            )
        )
        if rows:
            s.execute(insert(AnomalyRow), rows)


def list_anomalies(
    store: ResultsStore,
    *,
    run_id: str | None = None,
    entity: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[Anomaly]:
    """Stored anomalies, newest first."""
    m = AnomalyRow
    query = select(m).where(m.tenant_id == store.tenant)
    if run_id is not None:
        query = query.where(m.run_id == run_id)
    if entity is not None:
        query = query.where(m.entity == entity)
    if since is not None:
        query = query.where(m.at >= since)
    query = query.order_by(m.at.desc(), m.metric, m.id).limit(limit)
    with store.session() as s:
        return [
            Anomaly(
                r.run_id,
                r.at,
                r.metric,
                r.entity,
                r.dimension,
                r.rule,
                r.value,
                r.expected,
                r.z,
                r.kind,
                r.sensitivity,
            )
            for r in s.scalars(query)
        ]


def rescan(store: ResultsStore, settings: AnalyticsSpec) -> int:
    """Recompute the anomalies of every stored run (e.g. after a sensitivity change)."""
    query = select(Run.id, Run.started_at).where(Run.tenant_id == store.tenant)
    with store.session() as s:
        runs = [(r[0], r[1]) for r in s.execute(query.order_by(Run.started_at, Run.id))]
    return sum(len(detect_for_run(store, run_id, at, settings)) for run_id, at in runs)


def _anomaly(
    key: Key,
    run_id: str,
    at: datetime,
    value: float,
    expected: float,
    z: float,
    kind: str,
    params: AnomalyParams,
) -> Anomaly:
    metric, entity, dimension, rule = key
    return Anomaly(
        run_id, at, metric, entity, dimension, rule, value, expected, z, kind, params.sensitivity
    )
