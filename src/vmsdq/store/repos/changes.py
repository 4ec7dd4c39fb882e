"""What changes whenever a scope's stored results change: the version of every cached read.

One cheap statement on indexed columns (``ix_runs_scope_status_updated``, the settings'
unique version): how many runs there are, by status, the newest update and the newest
settings version; a second, only while a run is queued or running, sums its steps' progress.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from vmsdq.core.words import RunStatus
from vmsdq.store.models import Run, RunStep
from vmsdq.store.models_analytics import ConfigVersionRow
from vmsdq.store.repos.base import Repository

ACTIVE = (str(RunStatus.queued), str(RunStatus.running))


class ChangeRepository(Repository):
    def marks(self) -> str:
        """A short text that differs after any run is added, deleted, changes status or makes
        progress, and after a settings version is recorded."""
        tenant, project = self.scope.tenant, self.scope.project
        settings = (
            select(func.max(ConfigVersionRow.version))
            .where(ConfigVersionRow.tenant_id == tenant, ConfigVersionRow.project == project)
            .scalar_subquery()
        )
        active = func.sum(case((Run.status.in_(ACTIVE), 1), else_=0))
        done = func.sum(case((Run.status == str(RunStatus.completed), 1), else_=0))
        query = select(func.count(), active, done, func.max(Run.updated_at), settings).where(
            Run.tenant_id == tenant, Run.project == project
        )
        with self.session() as s:
            runs, running, completed, updated, version = s.execute(query).one()
            marks = f"{runs}.{running or 0}.{completed or 0}.{_stamp(updated)}.v{version or 0}"
            if running:
                marks += "." + self._progress(s)
        return marks

    def _progress(self, s: Session) -> str:
        step = RunStep
        query = (
            select(
                func.count(step.started_at),
                func.count(step.finished_at),
                func.sum(step.attempts),
                func.sum(step.rules_done),
                func.sum(step.rows),
            )
            .join(Run, Run.id == step.run_id)
            .where(Run.status.in_(ACTIVE))
        )
        return ".".join(str(v or 0) for v in s.execute(query).one())


def _stamp(value: datetime | str | None) -> str:
    if value is None:
        return "0"
    if isinstance(value, str):  # SQLite hands an aggregate back as text
        return "".join(c for c in value if c.isdigit())
    return f"{value:%Y%m%d%H%M%S%f}"
