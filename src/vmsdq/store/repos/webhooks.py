"""Webhook subscriptions, deliveries (to subscriptions and alert channels) and their attempts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select

from vmsdq.core import sealing
from vmsdq.store.models_alerts import AttemptRow, DeliveryRow, SubscriptionRow
from vmsdq.store.pages import Page, checked_limit, decode_cursor, encode_cursor
from vmsdq.store.repos.base import Repository


@dataclass
class Subscription:
    id: str
    url: str
    events: list[str]
    secret: str
    description: str
    active: bool
    disabled_reason: str
    failing_since: datetime | None
    created_at: datetime


@dataclass
class Delivery:
    id: str
    target_kind: str  # subscription | channel
    target: str
    event: str
    payload: dict[str, Any]
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status_code: int | None
    error: str
    seconds: float


def _copy(cls: Any, row: Any) -> Any:
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def _subscription(row: SubscriptionRow) -> Subscription:
    """A stored subscription with its signing secret opened (sealed at rest with a key)."""
    sub: Subscription = _copy(Subscription, row)
    sub.secret = sealing.unseal(sub.secret, sealing.WEBHOOK_SECRET)
    return sub


def _stored(sub: Subscription) -> dict[str, Any]:
    """The columns of a subscription, its secret sealed when a key is configured."""
    values = {f.name: getattr(sub, f.name) for f in fields(Subscription)}
    values["secret"] = sealing.seal(sub.secret, sealing.WEBHOOK_SECRET)
    return values


class WebhookRepository(Repository):
    def subscriptions(self) -> list[Subscription]:
        query = select(SubscriptionRow).order_by(SubscriptionRow.created_at, SubscriptionRow.id)
        with self.session() as s:
            return [_subscription(r) for r in s.scalars(query)]

    def subscription(self, sub_id: str) -> Subscription | None:
        with self.session() as s:
            row = s.scalars(select(SubscriptionRow).where(SubscriptionRow.id == sub_id)).first()
            return _subscription(row) if row is not None else None

    def add_subscription(self, sub: Subscription) -> None:
        with self.session() as s:
            self.insert(s, SubscriptionRow, [_stored(sub)])

    def save_subscription(self, sub: Subscription) -> None:
        with self.session() as s:
            row = s.scalars(select(SubscriptionRow).where(SubscriptionRow.id == sub.id)).first()
            if row is None:
                return
            for name, value in _stored(sub).items():
                setattr(row, name, value)

    def reseal_secrets(self) -> int:
        """Seal every signing secret with the newest key; returns how many changed."""
        changed = 0
        with self.session() as s:
            for row in s.scalars(select(SubscriptionRow)):
                sealed = sealing.reseal(row.secret, sealing.WEBHOOK_SECRET)
                if sealed != row.secret:
                    row.secret, changed = sealed, changed + 1
        return changed

    def delete_subscription(self, sub_id: str) -> bool:
        with self.session() as s:
            row = s.scalars(select(SubscriptionRow).where(SubscriptionRow.id == sub_id)).first()
            if row is None:
                return False
            s.delete(row)
            return True

    def add_deliveries(self, deliveries: list[Delivery]) -> None:
        with self.session() as s:
            rows = [{f.name: getattr(d, f.name) for f in fields(Delivery)} for d in deliveries]
            self.insert(s, DeliveryRow, rows)

    def delivery(self, delivery_id: str) -> Delivery | None:
        with self.session() as s:
            row = s.scalars(select(DeliveryRow).where(DeliveryRow.id == delivery_id)).first()
            return _copy(Delivery, row) if row is not None else None

    def record_attempt(self, delivery: Delivery, attempt: Attempt) -> None:
        """Save ``delivery`` as it stands after ``attempt``, and the attempt in its log."""
        with self.session() as s:
            row = s.scalars(select(DeliveryRow).where(DeliveryRow.id == delivery.id)).first()
            if row is None:
                return
            for f in fields(Delivery):
                setattr(row, f.name, getattr(delivery, f.name))
            values = {"delivery_id": delivery.id, **attempt.__dict__}
            self.insert(s, AttemptRow, [values])

    def save_delivery(self, delivery: Delivery) -> None:
        with self.session() as s:
            row = s.scalars(select(DeliveryRow).where(DeliveryRow.id == delivery.id)).first()
            if row is not None:
                for f in fields(Delivery):
                    setattr(row, f.name, getattr(delivery, f.name))

    def attempts(self, delivery_id: str) -> list[Attempt]:
        query = (
            select(AttemptRow)
            .where(AttemptRow.delivery_id == delivery_id)
            .order_by(AttemptRow.at, AttemptRow.id)
        )
        with self.session() as s:
            return [Attempt(r.at, r.status_code, r.error, r.seconds) for r in s.scalars(query)]

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        m = DeliveryRow
        query = (
            select(m)
            .where(m.status == "pending", m.next_attempt_at <= now)
            .order_by(m.next_attempt_at, m.id)
            .limit(limit)
        )
        with self.session() as s:
            return [_copy(Delivery, r) for r in s.scalars(query)]

    def pending_for(self, target_kind: str, target: str) -> list[Delivery]:
        m = DeliveryRow
        query = select(m).where(
            m.status == "pending", m.target_kind == target_kind, m.target == target
        )
        with self.session() as s:
            return [_copy(Delivery, r) for r in s.scalars(query)]

    def page(
        self,
        *,
        target: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page[Delivery]:
        """Deliveries newest first (the delivery log)."""
        m = DeliveryRow
        query = select(m)
        if target is not None:
            query = query.where(m.target == target)
        if status is not None:
            query = query.where(m.status == status)
        if cursor is not None:
            at, last = decode_cursor(cursor, 2)
            when = datetime.fromisoformat(at)
            query = query.where((m.created_at < when) | ((m.created_at == when) & (m.id < last)))
        query = query.order_by(m.created_at.desc(), m.id.desc()).limit(checked_limit(limit) + 1)
        with self.session() as s:
            rows = [_copy(Delivery, r) for r in s.scalars(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and rows:
            next_cursor = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
        return Page(rows, next_cursor)
