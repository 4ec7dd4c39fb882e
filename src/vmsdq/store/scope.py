"""Whose rows a session sees: every query of a scoped session is filtered by tenant and project.

This is the one place tenancy is enforced. A session opened with ``info={"scope": Scope(...)}``
gets ``tenant_id = … AND project = …`` added to every SELECT, UPDATE and DELETE it runs on
a :class:`~vmsdq.store.models.Scoped` table (joins and aliases included), and
:meth:`Scope.stamp` puts the same two values on every row it inserts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from vmsdq.store.models import Scoped

SCOPE_KEY = "vmsdq.scope"


@dataclass(frozen=True)
class Scope:
    tenant: str
    project: str

    def stamp(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with this scope's tenant and project (a row to insert)."""
        return {**values, "tenant_id": self.tenant, "project": self.project}


def scope_of(session: Session) -> Scope | None:
    found = session.info.get(SCOPE_KEY)
    return found if isinstance(found, Scope) else None


@event.listens_for(Session, "do_orm_execute")
def _add_scope(state: ORMExecuteState) -> None:
    scope = scope_of(state.session)
    if scope is None or state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant, project = scope.tenant, scope.project
    state.statement = state.statement.options(
        with_loader_criteria(
            Scoped,
            lambda cls: (cls.tenant_id == tenant) & (cls.project == project),
            include_aliases=True,
        )
    )
