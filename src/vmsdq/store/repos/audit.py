"""The audit log of one scope: append-only, each entry hashing the one before it.

``hash = sha256(canonical JSON of the entry's fields + the previous entry's hash)``; the
scope's head row keeps the newest sequence number and hash, so an edited entry, a deleted
one (a gap in the sequence or a broken link) and deleted newest entries (the head no longer
matches) are all found by :meth:`AuditRepository.verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from vmsdq.core.errors import ConflictError
from vmsdq.store.models_security import AuditHeadRow, AuditRow
from vmsdq.store.pages import Page, checked_limit, decode_cursor, encode_cursor
from vmsdq.store.repos.base import Repository

GENESIS = "0" * 64
ATTEMPTS = 20


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    role: str
    origin: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str = GENESIS
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "role": self.role,
            "origin": self.origin,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass
class ChainReport:
    tenant: str
    project: str
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def entry_hash(tenant: str, project: str, e: AuditEntry) -> str:
    body = {
        "tenant": tenant,
        "project": project,
        "seq": e.seq,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "role": e.role,
        "origin": e.origin,
        "action": e.action,
        "target": e.target,
        "detail": e.detail,
        "prev": e.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class AuditRepository(Repository):
    def append(self, entry: AuditEntry) -> AuditEntry:
        """Add ``entry`` at the end of the chain (its seq and hashes are set here)."""
        at = entry.at.replace(microsecond=0)  # every database keeps whole seconds
        for _ in range(ATTEMPTS):
            try:
                with self.session() as s:
                    head = s.scalars(select(AuditHeadRow).with_for_update()).first()
                    seq = head.seq + 1 if head else 1
                    linked = AuditEntry(
                        seq,
                        at,
                        entry.actor,
                        entry.role,
                        entry.origin,
                        entry.action,
                        entry.target,
                        dict(entry.detail),
                        head.hash if head else GENESIS,
                    )
                    digest = entry_hash(self.scope.tenant, self.scope.project, linked)
                    values = {**_values(linked), "hash": digest}
                    s.add(AuditRow(**self.scope.stamp(values)))
                    if head is None:
                        s.add(AuditHeadRow(**self.scope.stamp({"seq": seq, "hash": digest})))
                    else:
                        head.seq, head.hash = seq, digest
                    s.flush()
                return AuditEntry(**{**_values(linked), "hash": digest})
            except (IntegrityError, OperationalError):
                continue
        raise ConflictError("could not append to the audit log: too many concurrent writers")

    def page(
        self, *, cursor: str | None = None, limit: int = 100, action: str | None = None
    ) -> Page[AuditEntry]:
        """Newest first."""
        m = AuditRow
        query = select(m).order_by(m.seq.desc()).limit(checked_limit(limit) + 1)
        if action:
            query = query.where(m.action == action)
        if cursor is not None:
            (before,) = decode_cursor(cursor, 1)
            query = query.where(m.seq < int(before))
        with self.session() as s:
            rows = [_entry(r) for r in s.scalars(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, encode_cursor([rows[-1].seq]) if more and rows else None)

    def all(self) -> Iterator[AuditEntry]:
        """Oldest first, read in batches."""
        with self.session() as s:
            for row in s.scalars(
                select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=1000)
            ):
                yield _entry(row)

    def verify(self) -> ChainReport:
        report = ChainReport(self.scope.tenant, self.scope.project)
        prev, expected = GENESIS, 1
        for e in self.all():
            report.entries += 1
            if e.seq != expected:
                report.problems.append(
                    f"entries {expected}..{e.seq - 1} are missing (deleted)"
                    if e.seq > expected
                    else f"entry {e.seq} appears twice"
                )
            if e.prev_hash != prev:
                report.problems.append(f"entry {e.seq} does not link to the entry before it")
            if entry_hash(self.scope.tenant, self.scope.project, e) != e.hash:
                report.problems.append(f"entry {e.seq} was changed after it was written")
            prev, expected = e.hash, e.seq + 1
        with self.session() as s:
            head = s.scalars(select(AuditHeadRow)).first()
        last = expected - 1
        if head is None and last:
            report.problems.append("the chain's head record is missing")
        elif head is not None and (head.seq != last or head.hash != prev):
            report.problems.append(
                f"the chain ends at entry {last} but its head says {head.seq}: "
                "the newest entries were deleted or changed"
            )
        return report


def scopes(db: Any) -> list[tuple[str, str]]:
    """Every (tenant, project) with an audit log in ``db``."""
    with db.session() as s:
        heads = s.execute(select(AuditHeadRow.tenant_id, AuditHeadRow.project)).all()
        logs = s.execute(select(AuditRow.tenant_id, AuditRow.project).distinct()).all()
    return sorted({(t, p) for t, p in [*heads, *logs]})


def _values(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "role": e.role,
        "origin": e.origin,
        "action": e.action,
        "target": e.target,
        "detail": e.detail,
        "prev_hash": e.prev_hash,
    }


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        origin=row.origin,
        action=row.action,
        target=row.target,
        detail=dict(row.detail or {}),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
