"""What every repository shares: its database and the scope its sessions are bound to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from vmsdq.store.db import Database
    from vmsdq.store.scope import Scope


class Repository:
    """Base of the repositories: every session is scoped, every inserted row stamped."""

    def __init__(self, db: Database, scope: Scope) -> None:
        self.db = db
        self.scope = scope

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.db.session(self.scope) as s:
            yield s

    def insert(self, s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` into ``model``'s table, each stamped with this scope.

        Rows with the same keys go as one Core ``executemany`` on the table (about half the
        CPU of the ORM's bulk insert for a thousand rule results); mixed keys take the ORM's
        path, which groups them."""
        if not rows:
            return
        stamped = [self.scope.stamp(r) for r in rows]
        keys = stamped[0].keys()
        same = all(r.keys() == keys for r in stamped)
        s.execute(model.__table__.insert() if same else insert(model), stamped)
