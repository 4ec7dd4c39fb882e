"""API tokens: only a SHA-256 of each token is stored; the token is shown once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from vmsdq.core.errors import NotFoundError
from vmsdq.store.models_security import ApiTokenRow

if TYPE_CHECKING:
    from vmsdq.store.db import Database


@dataclass(frozen=True)
class TokenRecord:
    id: str
    tenant: str
    name: str
    role: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def to_dict(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "name": self.name,
            "tenant": self.tenant,
            "role": self.role,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": when(self.expires_at),
            "revoked_at": when(self.revoked_at),
            "last_used_at": when(self.last_used_at),
        }


class TokenRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, record: TokenRecord, secret_hash: str) -> TokenRecord:
        with self.db.session() as s:
            s.add(
                ApiTokenRow(
                    id=record.id,
                    tenant_id=record.tenant,
                    name=record.name,
                    role=record.role,
                    secret_hash=secret_hash,
                    created_by=record.created_by,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                )
            )
        return record

    def any(self) -> bool:
        with self.db.session() as s:
            return s.scalars(select(ApiTokenRow.id).limit(1)).first() is not None

    def by_hash(self, secret_hash: str) -> TokenRecord | None:
        with self.db.session() as s:
            m = ApiTokenRow
            row = s.scalars(select(m).where(m.secret_hash == secret_hash)).first()
            return _record(row) if row is not None else None

    def list(self, tenant: str) -> list[TokenRecord]:
        with self.db.session() as s:
            m = ApiTokenRow
            rows = s.scalars(select(m).where(m.tenant_id == tenant).order_by(m.created_at, m.id))
            return [_record(r) for r in rows]

    def revoke(self, tenant: str, token_id: str, at: datetime) -> TokenRecord:
        with self.db.session() as s:
            m = ApiTokenRow
            row = s.scalars(select(m).where(m.id == token_id, m.tenant_id == tenant)).first()
            if row is None:
                raise NotFoundError(f"no token '{token_id}' in tenant '{tenant}'")
            if row.revoked_at is None:
                row.revoked_at = at
            s.flush()
            return _record(row)

    def used(self, token_id: str, at: datetime) -> None:
        with self.db.session() as s:
            s.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=at))


def _record(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        tenant=row.tenant_id,
        name=row.name,
        role=row.role,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
