"""Run rows: create a queued run with its plan, change its status, read and list runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from vmsdq.core.errors import ConflictError
from vmsdq.core.results import RunResult
from vmsdq.core.scores import AS_RUN
from vmsdq.core.words import Outcome, Severity
from vmsdq.store import records
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run, RunStep, ScoreRowModel
from vmsdq.store.pages import Page, checked_limit, decode_cursor, encode_cursor
from vmsdq.store.records import RunRollup, RunSummary
from vmsdq.store.repos.base import Repository

BAD = (str(Outcome.failed), str(Outcome.error))


class RunRepository(Repository):
    def create(
        self, run_id: str, started_at: datetime, plan: dict[str, Any], steps: list[dict[str, Any]]
    ) -> bool:
        """Record a ``queued`` run and its steps. False when this scope already has the run
        (starting twice is harmless); ConflictError when another scope took the id."""
        try:
            with self.session() as s:
                if s.scalar(select(Run.id).where(Run.id == run_id)) is not None:
                    return False
                row = self.scope.stamp(
                    {"id": run_id, "status": "queued", "started_at": started_at, "plan": plan}
                )
                s.add(Run(source_info={}, updated_at=started_at, **row))
                s.flush()
                self.insert(
                    s,
                    RunStep,
                    [
                        {
                            "run_id": run_id,
                            "position": i,
                            "status": "queued",
                            "rows": 0,
                            "rules_done": 0,
                            "attempts": 0,
                            "message": "",
                            **step,
                        }
                        for i, step in enumerate(steps)
                    ],
                )
        except IntegrityError:
            raise ConflictError(f"run id '{run_id}' is already taken") from None
        return True

    def plan(self, run_id: str) -> dict[str, Any] | None:
        with self.session() as s:
            found = s.scalar(select(Run.plan).where(Run.id == run_id))
            return dict(found) if found is not None else None

    def set_status(self, run_id: str, status: str, at: datetime, **values: Any) -> None:
        """Set the run's status (and ``message``, ``finished_at``, ``config_version``...)."""
        with self.session() as s:
            s.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(status=status, updated_at=at, **values)
                .execution_options(synchronize_session=False)
            )

    def get(self, run_id: str) -> RunResult | None:
        """The run with every entity and rule result stored so far, or None."""
        with self.session() as s:
            run = s.scalars(select(Run).where(Run.id == run_id)).first()
            if run is None:
                return None
            entities = list(
                s.scalars(select(EntityResultRow).where(EntityResultRow.run_id == run_id))
            )
            r = RuleResultRow  # columns, not ORM objects: a run may hold thousands of rules
            rules = s.execute(
                select(*(getattr(r, name) for name in records.RULE_COLUMNS)).where(
                    r.run_id == run_id
                )
            )
            return records.to_run(run, entities, list(rules))

    def summary(self, run_id: str) -> RunSummary | None:
        with self.session() as s:
            found = s.execute(_summaries().where(Run.id == run_id)).first()
            return _summary(found) if found is not None else None

    def page(
        self,
        *,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page[RunSummary]:
        """Runs newest first, filtered by status and start time, ``limit`` at a time."""
        query = _summaries()
        if status is not None:
            query = query.where(Run.status == status)
        if since is not None:
            query = query.where(Run.started_at >= since)
        if until is not None:
            query = query.where(Run.started_at < until)
        if cursor is not None:
            at, run_id = decode_cursor(cursor, 2)
            at = datetime.fromisoformat(at)
            query = query.where(
                or_(Run.started_at < at, and_(Run.started_at == at, Run.id < run_id))
            )
        query = query.order_by(Run.started_at.desc(), Run.id.desc()).limit(checked_limit(limit) + 1)
        with self.session() as s:
            rows = [_summary(r) for r in s.execute(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if rows else None
        nxt = encode_cursor([last.started_at.isoformat(), last.run_id]) if more and last else None
        return Page(rows, nxt)

    def latest_id(self, status: str | None = None) -> str | None:
        page = self.page(status=status, limit=1)
        return page.items[0].run_id if page.items else None

    def rollup(self, run_id: str) -> RunRollup:
        """What the run's verdict depends on, counted in SQL (no rule result is loaded)."""
        r, e = RuleResultRow, EntityResultRow
        with self.session() as s:
            errors, critical, failing = s.execute(
                select(
                    func.count().filter(r.outcome == str(Outcome.error)),
                    func.count().filter(
                        r.severity == str(Severity.critical), r.outcome == str(Outcome.failed)
                    ),
                    func.count().filter(r.outcome.in_((str(Outcome.failed), str(Outcome.warn)))),
                ).where(r.run_id == run_id)
            ).one()
            broken = s.scalar(select(func.count()).where(e.run_id == run_id, e.status == "error"))
        return RunRollup(
            errors=int(errors or 0) + int(broken or 0),
            critical_failures=int(critical or 0),
            failing=int(failing or 0),
        )

    def refresh_counts(self, run_id: str) -> None:
        """Recount entities, rules and failed rules of the run from its stored results."""
        r = RuleResultRow
        with self.session() as s:
            entities = s.scalar(select(func.count()).where(EntityResultRow.run_id == run_id))
            rules, bad = s.execute(
                select(func.count(), func.count().filter(r.outcome.in_(BAD))).where(
                    r.run_id == run_id
                )
            ).one()
            s.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(entity_count=entities or 0, rule_count=rules or 0, failed_rule_count=bad)
                .execution_options(synchronize_session=False)
            )

    def set_sources(self, run_id: str, source_info: dict[str, Any]) -> None:
        with self.session() as s:
            s.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(source_info=source_info)
                .execution_options(synchronize_session=False)
            )

    def info(self, run_id: str) -> dict[str, Any] | None:
        """Columns of the run row beyond ``RunResult``: sources read, rescored from."""
        with self.session() as s:
            row = s.scalars(select(Run).where(Run.id == run_id)).first()
            if row is None:
                return None
            return {"source_info": row.source_info, "rescored_from": row.rescored_from}

    def delete(self, run_id: str) -> None:
        with self.session() as s:
            s.execute(delete(Run).where(Run.id == run_id))

    def ids_started_before(self, when: datetime) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(Run.id).where(Run.started_at < when)))


def _summaries() -> Any:
    overall = (
        select(ScoreRowModel.run_id, ScoreRowModel.score, ScoreRowModel.band)
        .where(ScoreRowModel.level == "overall", ScoreRowModel.label == AS_RUN)
        .subquery()
    )
    return select(Run, overall.c.score, overall.c.band).outerjoin(
        overall, overall.c.run_id == Run.id
    )


def _summary(row: Any) -> RunSummary:
    run, score, band = row
    return RunSummary(
        run_id=run.id,
        project=run.project,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        config_version=run.config_version,
        entity_count=run.entity_count,
        rule_count=run.rule_count,
        failed_rule_count=run.failed_rule_count,
        message=run.message,
        updated_at=run.updated_at,
        score=score,
        band=band,
    )
