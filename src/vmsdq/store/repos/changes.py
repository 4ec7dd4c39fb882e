"""What changes whenever a scope's stored results change: the version of every cached read.

It runs on every request, so it is one prepared statement on a core connection (no ORM
session; the tenant and project are bound explicitly, as the scope would add them) over
indexed columns (``ix_runs_scope_status_started`` holds status and updated_at; the settings'
unique version): how many runs there are by status, the newest update and the newest
settings version. A second statement, only while a run is queued or running, sums its
steps' progress.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, String, bindparam, case, func, select

from vmsdq.core.words import RunStatus
from vmsdq.store.models import Run, RunStep
from vmsdq.store.models_analytics import ConfigVersionRow
from vmsdq.store.repos.base import Repository

ACTIVE = (str(RunStatus.queued), str(RunStatus.running))
_TENANT: BindParameter[str] = bindparam("tenant", type_=String())
_PROJECT: BindParameter[str] = bindparam("project", type_=String())

_MARKS = select(
    func.count(),
    func.sum(case((Run.status.in_(ACTIVE), 1), else_=0)),
    func.sum(case((Run.status == str(RunStatus.completed), 1), else_=0)),
    func.max(Run.updated_at),
    select(func.max(ConfigVersionRow.version))
    .where(ConfigVersionRow.tenant_id == _TENANT, ConfigVersionRow.project == _PROJECT)
    .scalar_subquery(),
).where(Run.tenant_id == _TENANT, Run.project == _PROJECT)

_PROGRESS = (
    select(
        func.count(RunStep.started_at),
        func.count(RunStep.finished_at),
        func.sum(RunStep.attempts),
        func.sum(RunStep.rules_done),
        func.sum(RunStep.rows),
    )
    .join(Run, Run.id == RunStep.run_id)
    .where(Run.tenant_id == _TENANT, Run.project == _PROJECT, Run.status.in_(ACTIVE))
)


class ChangeRepository(Repository):
    def marks(self) -> str:
        """A short text that differs after any run is added, deleted, changes status or makes
        progress, and after a settings version is recorded."""
        scope = {"tenant": self.scope.tenant, "project": self.scope.project}
        with self.db.reading() as con:
            runs, running, completed, updated, version = _one(con.execute(_MARKS, scope))
            marks = f"{runs}.{running or 0}.{completed or 0}.{_stamp(updated)}.v{version or 0}"
            if running:
                marks += "." + ".".join(str(v or 0) for v in _one(con.execute(_PROGRESS, scope)))
        return marks


def _one(result: Any) -> tuple[Any, ...]:
    return tuple(result.one())


def _stamp(value: datetime | str | None) -> str:
    if value is None:
        return "0"
    if isinstance(value, str):  # some drivers hand an aggregate of a timestamp back as text
        return "".join(c for c in value if c.isdigit())
    return f"{value:%Y%m%d%H%M%S%f}"
