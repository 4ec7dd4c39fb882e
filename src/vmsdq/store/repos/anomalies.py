"""Anomalies flagged on runs' history series."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select

from vmsdq.core.history import Anomaly
from vmsdq.store.models_analytics import AnomalyRow
from vmsdq.store.repos.base import Repository


class AnomalyRepository(Repository):
    def replace(self, run_id: str, found: list[Anomaly]) -> None:
        """Replace the anomalies flagged on ``run_id``."""
        with self.session() as s:
            s.execute(
                delete(AnomalyRow)
                .where(AnomalyRow.run_id == run_id)
                .execution_options(synchronize_session=False)
            )
            self.insert(s, AnomalyRow, [asdict(a) for a in found])

    def list(
        self,
        *,
        run_id: str | None = None,
        entity: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[Anomaly]:
        """Stored anomalies, newest first."""
        m = AnomalyRow
        query = select(m)
        if run_id is not None:
            query = query.where(m.run_id == run_id)
        if entity is not None:
            query = query.where(m.entity == entity)
        if since is not None:
            query = query.where(m.at >= since)
        query = query.order_by(m.at.desc(), m.metric, m.id).limit(limit)
        with self.session() as s:
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
