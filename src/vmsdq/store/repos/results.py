"""Entity and rule results of runs: saved one entity at a time, read back page by page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select

from vmsdq.core.results import EntityResult, RuleResult
from vmsdq.store import records
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run
from vmsdq.store.pages import Page, checked_limit, decode_cursor, encode_cursor
from vmsdq.store.records import RuleHistoryRow
from vmsdq.store.repos.base import Repository


class ResultRepository(Repository):
    def save_entity(self, run_id: str, position: int, result: EntityResult) -> None:
        """Replace the stored result of one entity of a run (repeating it never duplicates)."""
        with self.session() as s:
            for model, column in (
                (RuleResultRow, RuleResultRow.entity_index),
                (EntityResultRow, EntityResultRow.position),
            ):
                s.execute(
                    delete(model)
                    .where(model.run_id == run_id, column == position)
                    .execution_options(synchronize_session=False)
                )
            self.insert(s, EntityResultRow, [records.entity_values(run_id, position, result)])
            self.insert(s, RuleResultRow, records.rule_values(run_id, position, result))

    def names(self, run_id: str) -> tuple[list[str], list[str]]:
        """(entities, rules) stored for the run, in run order."""
        with self.session() as s:
            entities = s.scalars(
                select(EntityResultRow.entity)
                .where(EntityResultRow.run_id == run_id)
                .order_by(EntityResultRow.position)
            )
            found = list(entities)
            rules = s.scalars(
                select(RuleResultRow.rule)
                .where(RuleResultRow.run_id == run_id)
                .order_by(RuleResultRow.entity_index, RuleResultRow.position)
            )
            return found, list(rules)

    def has_rule(self, run_id: str, rule: str, parseable: str) -> bool:
        """True when the run has ``rule``, or it is ``<entity><parseable>`` of one of its
        entities (one indexed look-up, not every name)."""
        r, e = RuleResultRow, EntityResultRow
        entity = rule[: -len(parseable)] if rule.endswith(parseable) else None
        with self.session() as s:
            found = s.scalar(select(r.id).where(r.run_id == run_id, r.rule == rule).limit(1))
            if found is not None:
                return True
            if entity is None:
                return False
            query = select(e.id).where(e.run_id == run_id, e.entity == entity).limit(1)
            return s.scalar(query) is not None

    def rules(
        self,
        run_id: str,
        *,
        entity: str | None = None,
        dimension: str | None = None,
        outcome: str | None = None,
        search: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[RuleResult]:
        """The run's rule results in run order, filtered; ``search`` matches the rule name."""
        r = RuleResultRow
        query = select(r).where(r.run_id == run_id)
        for column, value in ((r.entity, entity), (r.dimension, dimension), (r.outcome, outcome)):
            if value is not None:
                query = query.where(column == value)
        if search:
            query = query.where(r.rule.contains(search, autoescape=True))
        if cursor is not None:
            owner, pos = decode_cursor(cursor, 2)
            query = query.where(
                or_(r.entity_index > owner, (r.entity_index == owner) & (r.position > pos))
            )
        query = query.order_by(r.entity_index, r.position).limit(checked_limit(limit) + 1)
        with self.session() as s:
            rows = list(s.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = encode_cursor([rows[-1].entity_index, rows[-1].position]) if more else None
        return Page([records.to_rule(x) for x in rows], nxt)

    def rule_history(
        self,
        entity: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[RuleHistoryRow]:
        """Rule metrics over runs, oldest first; with ``limit``, the newest ``limit`` rows."""
        r = RuleResultRow
        query = select(  # columns, not ORM objects: a history holds runs x rules rows
            Run.id, Run.started_at, Run.status, Run.config_version, r.entity, r.rule, r.kind,
            r.dimension, r.severity, r.weight, r.evaluated, r.failed, r.pass_rate, r.outcome,
            r.observed,
        ).join(Run, Run.id == r.run_id)  # fmt: skip
        if entity is not None:
            query = query.where(RuleResultRow.entity == entity)
        if rule is not None:
            query = query.where(RuleResultRow.rule == rule)
        if since is not None:
            query = query.where(Run.started_at >= since)
        order = (Run.started_at, Run.id, RuleResultRow.entity_index, RuleResultRow.position)
        if limit is not None:
            query = query.order_by(*(c.desc() for c in order)).limit(limit)
        else:
            query = query.order_by(*order)
        with self.session() as s:
            found = [records.history_row(row) for row in s.execute(query)]
        return found[::-1] if limit is not None else found

    def observed_before(
        self, rules: list[str], before: datetime, since: datetime | None = None
    ) -> dict[str, list[tuple[datetime, float]]]:
        """(run start, observed value) per rule of the completed runs started before
        ``before`` (and from ``since``), oldest first; results in error are left out."""
        r = RuleResultRow
        query = (
            select(r.rule, Run.started_at, r.observed)
            .join(Run, Run.id == r.run_id)
            .where(r.rule.in_(rules), r.observed.is_not(None), r.outcome != "error")
            .where(Run.status == "completed", Run.started_at < before)
            .order_by(Run.started_at, Run.id)
        )
        if since is not None:
            query = query.where(Run.started_at >= since)
        found: dict[str, list[tuple[datetime, float]]] = {}
        with self.session() as s:
            for rule, started, observed in s.execute(query):
                if observed is not None:
                    found.setdefault(rule, []).append((started, float(observed)))
        return found
