"""The phases of a run (read a view, validate an entity) with their status and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from vmsdq.store.models import RunStep
from vmsdq.store.records import StepRecord
from vmsdq.store.repos.base import Repository


class StepRepository(Repository):
    def list(self, run_id: str, kind: str | None = None) -> list[StepRecord]:
        query = select(RunStep).where(RunStep.run_id == run_id)
        if kind is not None:
            query = query.where(RunStep.kind == kind)
        with self.session() as s:
            return [_record(r) for r in s.scalars(query.order_by(RunStep.position))]

    def get(self, run_id: str, kind: str, name: str) -> StepRecord | None:
        query = select(RunStep).where(
            RunStep.run_id == run_id, RunStep.kind == kind, RunStep.name == name
        )
        with self.session() as s:
            found = s.scalars(query).first()
            return _record(found) if found is not None else None

    def start(self, run_id: str, kind: str, name: str, at: datetime) -> None:
        """Mark the step running (one more attempt)."""
        self._set(
            run_id,
            kind,
            name,
            status="running",
            started_at=at,
            finished_at=None,
            message="",
            attempts=RunStep.attempts + 1,
        )

    def progress(self, run_id: str, kind: str, name: str, **values: Any) -> None:
        """Record progress (``rows``, ``rules_done``) of a running step."""
        self._set(run_id, kind, name, **values)

    def finish(
        self, run_id: str, kind: str, name: str, status: str, at: datetime, **values: Any
    ) -> None:
        self._set(run_id, kind, name, status=status, finished_at=at, **values)

    def _set(self, run_id: str, kind: str, name: str, **values: Any) -> None:
        with self.session() as s:
            s.execute(
                update(RunStep)
                .where(RunStep.run_id == run_id, RunStep.kind == kind, RunStep.name == name)
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def _record(row: RunStep) -> StepRecord:
    return StepRecord(
        kind=row.kind,
        name=row.name,
        status=row.status,
        rows=row.rows,
        rules_total=row.rules_total,
        rules_done=row.rules_done,
        attempts=row.attempts,
        message=row.message,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
