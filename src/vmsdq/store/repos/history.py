"""History series: one point per run, oldest first, from scores "as run" and rule results."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Float, func, literal, or_, select

from vmsdq.core.history import HistoryPoint
from vmsdq.core.scores import AS_RUN
from vmsdq.core.words import Outcome
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run, ScoreRowModel
from vmsdq.store.repos.base import Repository
from vmsdq.store.repos.results import ResultRepository

SeriesKey = tuple[str | None, str | None, str | None]  # (entity, dimension, rule)
FINISHED = ("completed",)  # only scored, completed runs make history
ERROR, PASSED = str(Outcome.error), str(Outcome.passed)


class HistoryRepository(Repository):
    extra_run: str | None = None  # a run not yet completed that still counts (its own finish)

    def including(self, run_id: str) -> HistoryRepository:
        """The same history, plus the run ``run_id`` whatever its status."""
        other = HistoryRepository(self.db, self.scope)
        other.extra_run = run_id
        return other

    def _finished(self) -> Any:
        done = Run.status.in_(FINISHED)
        return or_(done, Run.id == self.extra_run) if self.extra_run else done

    def overall(self, since: datetime | None = None) -> list[HistoryPoint]:
        return self.scores("overall", since).get((None, None, None), [])

    def entities(
        self, entity: str | None = None, since: datetime | None = None
    ) -> dict[str, list[HistoryPoint]]:
        """Per entity: score, rows, and failed / evaluated summed over its rules."""
        scores = self.scores("entity", since, entity=entity)
        sums = self._rule_sums(since, entity)
        rows = self._entity_rows(since, entity)
        out: dict[str, list[HistoryPoint]] = {}
        for (name, _, _), points in scores.items():
            if name is None:
                continue
            out[name] = [
                _with_counts(p, sums.get((p.run_id, name)), rows.get((p.run_id, name)))
                for p in points
            ]
        return out

    def dimensions(
        self, entity: str | None = None, since: datetime | None = None
    ) -> dict[tuple[str, str], list[HistoryPoint]]:
        found = self.scores("dimension", since, entity=entity)
        return {(k[0] or "", k[1] or ""): v for k, v in found.items()}

    def rules(
        self,
        entity: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> dict[str, list[HistoryPoint]]:
        """Per rule: score (pass rate x 100, 100 when passed within a tolerance; None when
        not evaluated or in error)."""
        if limit is not None:
            return self._newest_rules(entity, rule, since, limit)
        r = RuleResultRow
        query = _filter(
            self._points_query(), since, r.entity if entity is not None else None, entity
        )
        if rule is not None:
            query = query.where(r.rule == rule)
        return self._rule_points(query, since)

    def varying_rules(self, since: datetime, more_than: int) -> dict[str, list[HistoryPoint]]:
        """The series of :meth:`rules` from ``since`` whose failure percentage (100 x failed
        / evaluated, as :attr:`HistoryPoint.failure_pct` computes it) takes more than one
        value over more than ``more_than`` points: the only rule series an anomaly can be
        flagged on. A flat series (the same rows failing run after run) is not read."""
        r = RuleResultRow
        pct = literal(100.0, Float) * r.failed / r.evaluated
        varying = (
            self._rule_rows(r.rule)
            .where(Run.started_at >= since, r.evaluated > 0, r.failed.is_not(None))
            .group_by(r.rule)
            .having(func.count() > more_than, func.min(pct) < func.max(pct))
        )
        query = self._points_query().where(
            Run.started_at >= since, r.rule.in_(varying.scalar_subquery())
        )
        return self._rule_points(query, since)

    def _rule_rows(self, *columns: Any) -> Any:
        """``columns`` of the rule results of this scope's finished runs (a core query)."""
        r = RuleResultRow
        query = select(*columns).join(Run, Run.id == r.run_id)
        return query.where(self._finished(), *self._scoped(r), *self._scoped(Run))

    def _points_query(self) -> Any:
        """What :meth:`_rule_points` reads, in run and rule order."""
        r = RuleResultRow
        columns = (r.run_id, r.rule, r.pass_rate, r.outcome, r.failed, r.evaluated)
        order = (Run.started_at, Run.id, r.entity_index, r.position)
        return self._rule_rows(*columns).order_by(*order)

    def _rule_points(self, query: Any, since: datetime | None) -> dict[str, list[HistoryPoint]]:
        out: dict[str, list[HistoryPoint]] = defaultdict(list)
        with self.db.reading() as con:
            runs = {i: (at, v) for i, at, v in con.execute(self._runs(since))}
            for run_id, name, rate, outcome, failed, evaluated in con.execute(query):
                found = runs.get(run_id)  # None: a run that finished between the two reads
                if found is not None:
                    at, version = found
                    score = _rule_score(rate, outcome)
                    point = HistoryPoint(run_id, at, score, failed, evaluated, None, version)
                    out[name].append(point)
        return dict(out)

    def _newest_rules(
        self, entity: str | None, rule: str | None, since: datetime | None, limit: int
    ) -> dict[str, list[HistoryPoint]]:
        out: dict[str, list[HistoryPoint]] = defaultdict(list)
        rows = ResultRepository(self.db, self.scope).rule_history(entity, rule, since, limit)
        for r in rows:
            if r.run_status not in FINISHED and r.run_id != self.extra_run:
                continue
            out[r.rule].append(
                HistoryPoint(
                    r.run_id,
                    r.started_at,
                    _rule_score(r.pass_rate, str(r.outcome)),
                    r.failed,
                    r.evaluated,
                    config_version=r.config_version,
                )
            )
        return dict(out)

    def _runs(self, since: datetime | None) -> Any:
        """Id, start and settings version of the runs that make history (a core query)."""
        query = select(Run.id, Run.started_at, Run.config_version)
        return _filter(query.where(self._finished(), *self._scoped(Run)), since, None, None)

    def _scoped(self, model: Any) -> tuple[Any, Any]:
        """This scope's rows of ``model`` (a query on a core connection binds it itself)."""
        return model.tenant_id == self.scope.tenant, model.project == self.scope.project

    def scores(
        self, level: str, since: datetime | None, *, entity: str | None = None
    ) -> dict[SeriesKey, list[HistoryPoint]]:
        m = ScoreRowModel
        query = (
            select(m.entity, m.dimension, m.rule, m.score, m.config_version, Run.id, Run.started_at)
            .join(Run, Run.id == m.run_id)
            .where(m.level == level, m.label == AS_RUN, self._finished())
            .order_by(Run.started_at, Run.id, m.position)
        )
        query = _filter(query, since, m.entity if entity is not None else None, entity)
        out: dict[SeriesKey, list[HistoryPoint]] = defaultdict(list)
        with self.session() as s:
            for ent, dim, rule, score, version, run_id, at in s.execute(query):
                out[(ent, dim, rule)].append(
                    HistoryPoint(run_id, at, score, config_version=version)
                )
        return dict(out)

    def runs_between(self, since: datetime | None = None) -> list[tuple[str, datetime]]:
        """(run id, start) of the completed runs, oldest first."""
        query = select(Run.id, Run.started_at).where(self._finished())
        if since is not None:
            query = query.where(Run.started_at >= since)
        with self.session() as s:
            return [(r[0], r[1]) for r in s.execute(query.order_by(Run.started_at, Run.id))]

    def _rule_sums(
        self, since: datetime | None, entity: str | None
    ) -> dict[tuple[str, str], tuple[int, int]]:
        r = RuleResultRow
        query = (
            select(r.run_id, r.entity, func.sum(r.failed), func.sum(r.evaluated))
            .join(Run, Run.id == r.run_id)
            .group_by(r.run_id, r.entity)
        )
        query = _filter(query, since, r.entity if entity is not None else None, entity)
        with self.session() as s:
            return {(a, b): (int(f or 0), int(e or 0)) for a, b, f, e in s.execute(query)}

    def _entity_rows(
        self, since: datetime | None, entity: str | None
    ) -> dict[tuple[str, str], int]:
        e = EntityResultRow
        query = select(e.run_id, e.entity, e.rows).join(Run, Run.id == e.run_id)
        query = _filter(query, since, e.entity if entity is not None else None, entity)
        with self.session() as s:
            return {(a, b): int(n) for a, b, n in s.execute(query)}


def _rule_score(pass_rate: float | None, outcome: str) -> float | None:
    if pass_rate is None or outcome == ERROR:
        return None
    if outcome == PASSED:
        return 100.0  # failing rows within the rule's tolerance (as scoring says)
    return 100.0 * pass_rate


def _with_counts(p: HistoryPoint, sums: tuple[int, int] | None, rows: int | None) -> HistoryPoint:
    failed, evaluated = sums if sums is not None else (None, None)
    return HistoryPoint(p.run_id, p.at, p.score, failed, evaluated, rows, p.config_version)


def _filter(query: Any, since: datetime | None, column: Any, value: str | None) -> Any:
    if since is not None:
        query = query.where(Run.started_at >= since)
    if column is not None:
        query = query.where(column == value)
    return query
