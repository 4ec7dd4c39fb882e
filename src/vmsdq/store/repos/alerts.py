"""Alert rules set through the API, and the incidents alert rules open and resolve."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from vmsdq.store.models_alerts import AlertRuleRow, IncidentRow
from vmsdq.store.repos.base import Repository


@dataclass(frozen=True)
class StoredAlertRule:
    name: str
    definition: dict[str, Any]
    deleted: bool
    updated_at: datetime
    updated_by: str


@dataclass
class Incident:
    id: int
    rule: str
    subject: str
    kind: str
    severity: str
    status: str  # open | resolved
    opened_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    quiet_until: datetime | None
    notified: str  # '' | fired | resolved
    run_id: str | None
    value: float | None
    message: str
    link: str


_INCIDENT_FIELDS = [f.name for f in fields(Incident)]


def _incident(row: IncidentRow) -> Incident:
    return Incident(**{name: getattr(row, name) for name in _INCIDENT_FIELDS})


class AlertRepository(Repository):
    def rules(self) -> list[StoredAlertRule]:
        with self.session() as s:
            rows = s.scalars(select(AlertRuleRow).order_by(AlertRuleRow.name))
            return [
                StoredAlertRule(r.name, r.definition, r.deleted, r.updated_at, r.updated_by)
                for r in rows
            ]

    def put_rule(
        self, name: str, definition: dict[str, Any], at: datetime, by: str, *, deleted: bool
    ) -> None:
        """Set (or mark deleted) the rule ``name``."""
        with self.session() as s:
            found = s.scalars(select(AlertRuleRow).where(AlertRuleRow.name == name)).first()
            if found is None:
                values = {"name": name, "definition": definition, "deleted": deleted}
                self.insert(s, AlertRuleRow, [values | {"updated_at": at, "updated_by": by}])
                return
            found.definition, found.deleted = definition, deleted
            found.updated_at, found.updated_by = at, by

    def drop_rule(self, name: str) -> None:
        with self.session() as s:
            s.execute(
                delete(AlertRuleRow)
                .where(AlertRuleRow.name == name)
                .execution_options(synchronize_session=False)
            )

    def incidents(
        self,
        *,
        rule: str | None = None,
        status: str | None = None,
        limit: int = 200,
    ) -> list[Incident]:
        """Incidents, the most recently seen first."""
        m = IncidentRow
        query = select(m)
        if rule is not None:
            query = query.where(m.rule == rule)
        if status is not None:
            query = query.where(m.status == status)
        query = query.order_by(m.last_seen_at.desc(), m.id.desc()).limit(limit)
        with self.session() as s:
            return [_incident(r) for r in s.scalars(query)]

    def latest_per_subject(self, rule: str) -> dict[str, Incident]:
        """The newest incident of each subject of ``rule`` (open or resolved)."""
        out: dict[str, Incident] = {}
        query = select(IncidentRow).where(IncidentRow.rule == rule).order_by(IncidentRow.id)
        with self.session() as s:
            for row in s.scalars(query):
                out[row.subject] = _incident(row)
        return out

    def open_incident(self, values: dict[str, Any]) -> Incident:
        with self.session() as s:
            row = IncidentRow(**self.scope.stamp(values))
            s.add(row)
            s.flush()
            return _incident(row)

    def update_incident(self, incident: Incident) -> None:
        with self.session() as s:
            row = s.get(IncidentRow, incident.id)
            if row is None:
                return
            for name in _INCIDENT_FIELDS:
                if name != "id":
                    setattr(row, name, getattr(incident, name))
