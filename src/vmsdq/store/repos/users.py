"""Accounts of a results database. Usernames are unique across tenants (one login form)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from vmsdq.core.errors import ConflictError, NotFoundError
from vmsdq.store.models_security import UserRow

if TYPE_CHECKING:
    from vmsdq.store.db import Database


@dataclass(frozen=True)
class UserRecord:
    id: int
    tenant: str
    username: str
    role: str
    password_hash: str
    disabled: bool
    must_change: bool
    failed_logins: int
    locked_until: datetime | None
    session_epoch: int
    created_at: datetime
    last_login_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """The account as shown to an admin (never the password hash)."""
        return {
            "username": self.username,
            "tenant": self.tenant,
            "role": self.role,
            "disabled": self.disabled,
            "must_change": self.must_change,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def any(self) -> bool:
        with self.db.session() as s:
            return bool(s.scalar(select(func.count()).select_from(UserRow)))

    def get(self, username: str) -> UserRecord | None:
        with self.db.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
            return _record(row) if row is not None else None

    def by_id(self, user_id: int) -> UserRecord | None:
        with self.db.session() as s:
            row = s.get(UserRow, user_id)
            return _record(row) if row is not None else None

    def list(self, tenant: str) -> list[UserRecord]:
        with self.db.session() as s:
            rows = s.scalars(
                select(UserRow).where(UserRow.tenant_id == tenant).order_by(UserRow.username)
            )
            return [_record(r) for r in rows]

    def add(
        self,
        tenant: str,
        username: str,
        password_hash: str,
        role: str,
        at: datetime,
        *,
        must_change: bool,
    ) -> UserRecord:
        try:
            with self.db.session() as s:
                row = UserRow(
                    tenant_id=tenant,
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    disabled=False,
                    must_change=must_change,
                    failed_logins=0,
                    session_epoch=0,
                    created_at=at,
                )
                s.add(row)
                s.flush()
                return _record(row)
        except IntegrityError:
            raise ConflictError(f"user '{username}' exists already") from None

    def change(self, username: str, **values: Any) -> UserRecord:
        """Set columns of one account; ``session_epoch=+1`` style increments use ``bump``."""
        with self.db.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError(f"no user '{username}'")
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            return _record(row)

    def failed(self, user_id: int, lock_after: int, locked_until: datetime) -> int:
        """Count one failed login (atomically); lock when it reaches ``lock_after``."""
        with self.db.session() as s:
            s.execute(
                update(UserRow)
                .where(UserRow.id == user_id)
                .values(failed_logins=UserRow.failed_logins + 1)
            )
            count = s.scalar(select(UserRow.failed_logins).where(UserRow.id == user_id)) or 0
            if count >= lock_after:
                s.execute(
                    update(UserRow)
                    .where(UserRow.id == user_id)
                    .values(locked_until=locked_until, failed_logins=0)
                )
            return count


def _record(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        tenant=row.tenant_id,
        username=row.username,
        role=row.role,
        password_hash=row.password_hash,
        disabled=row.disabled,
        must_change=row.must_change,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        session_epoch=row.session_epoch,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )
