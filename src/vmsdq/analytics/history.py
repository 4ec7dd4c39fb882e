"""History series read from the results database: one point per run, oldest first.

Scores come from the scores stored "as run"; rows evaluated and failed from the rule results.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from vmsdq.core.scores import AS_RUN
from vmsdq.store import ResultsStore
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run, ScoreRowModel

SeriesKey = tuple[str | None, str | None, str | None]  # (entity, dimension, rule)


@dataclass(frozen=True)
class HistoryPoint:
    run_id: str
    at: datetime
    score: float | None
    failed: int | None = None
    evaluated: int | None = None
    rows: int | None = None
    config_version: int | None = None

    @property
    def failure_pct(self) -> float | None:
        if not self.evaluated or self.failed is None:
            return None
        return 100.0 * self.failed / self.evaluated


def overall_history(store: ResultsStore, since: datetime | None = None) -> list[HistoryPoint]:
    return _scores(store, "overall", since).get((None, None, None), [])


def entity_history(
    store: ResultsStore, entity: str | None = None, since: datetime | None = None
) -> dict[str, list[HistoryPoint]]:
    """Per entity: score, rows, and failed / evaluated summed over its rules."""
    scores = _scores(store, "entity", since, entity=entity)
    sums = _rule_sums(store, since, entity)
    rows = _entity_rows(store, since, entity)
    out: dict[str, list[HistoryPoint]] = {}
    for (name, _, _), points in scores.items():
        assert name is not None
        out[name] = [
            _with_counts(p, sums.get((p.run_id, name)), rows.get((p.run_id, name))) for p in points
        ]
    return out


def _with_counts(p: HistoryPoint, sums: tuple[int, int] | None, rows: int | None) -> HistoryPoint:
    failed, evaluated = sums if sums is not None else (None, None)
    return HistoryPoint(p.run_id, p.at, p.score, failed, evaluated, rows, p.config_version)


def dimension_history(
    store: ResultsStore, entity: str | None = None, since: datetime | None = None
) -> dict[tuple[str, str], list[HistoryPoint]]:
    found = _scores(store, "dimension", since, entity=entity)
    return {(k[0] or "", k[1] or ""): v for k, v in found.items()}


def rule_history(
    store: ResultsStore,
    entity: str | None = None,
    rule: str | None = None,
    since: datetime | None = None,
) -> dict[str, list[HistoryPoint]]:
    """Per rule: score (pass rate x 100; None when nothing was evaluated), failed, evaluated."""
    out: dict[str, list[HistoryPoint]] = defaultdict(list)
    for r in store.rule_history(entity=entity, rule=rule, since=since):
        score = 100.0 * r.pass_rate if r.pass_rate is not None else None
        if r.outcome == "error":
            score = None
        out[r.rule].append(
            HistoryPoint(
                r.run_id,
                r.started_at,
                score,
                r.failed,
                r.evaluated,
                config_version=r.config_version,
            )
        )
    return dict(out)


def _scores(
    store: ResultsStore, level: str, since: datetime | None, *, entity: str | None = None
) -> dict[SeriesKey, list[HistoryPoint]]:
    m = ScoreRowModel
    query = (
        select(m.entity, m.dimension, m.rule, m.score, m.config_version, Run.id, Run.started_at)
        .join(Run, Run.id == m.run_id)
        .where(m.tenant_id == store.tenant, m.level == level, m.label == AS_RUN)
        .order_by(Run.started_at, Run.id, m.position)
    )
    query = _filter(query, since, m.entity if entity is not None else None, entity)
    out: dict[SeriesKey, list[HistoryPoint]] = defaultdict(list)
    with store.session() as s:
        for ent, dim, rule, score, version, run_id, at in s.execute(query):
            out[(ent, dim, rule)].append(HistoryPoint(run_id, at, score, config_version=version))
    return dict(out)


def _rule_sums(
    store: ResultsStore, since: datetime | None, entity: str | None
) -> dict[tuple[str, str], tuple[int, int]]:
    r = RuleResultRow
    query = (
        select(r.run_id, r.entity, func.sum(r.failed), func.sum(r.evaluated))
        .join(Run, Run.id == r.run_id)
        .where(r.tenant_id == store.tenant)
        .group_by(r.run_id, r.entity)
    )
    query = _filter(query, since, r.entity if entity is not None else None, entity)
    with store.session() as s:
        return {(a, b): (int(f or 0), int(e or 0)) for a, b, f, e in s.execute(query)}


def _entity_rows(
    store: ResultsStore, since: datetime | None, entity: str | None
) -> dict[tuple[str, str], int]:
    e = EntityResultRow
    query = select(e.run_id, e.entity, e.rows).join(Run, Run.id == e.run_id)
    query = query.where(e.tenant_id == store.tenant)
    query = _filter(query, since, e.entity if entity is not None else None, entity)
    with store.session() as s:
        return {(a, b): int(n) for a, b, n in s.execute(query)}


def _filter(query: Any, since: datetime | None, column: Any, value: str | None) -> Any:
    if since is not None:
        query = query.where(Run.started_at >= since)
    if column is not None:
        query = query.where(column == value)
    return query
