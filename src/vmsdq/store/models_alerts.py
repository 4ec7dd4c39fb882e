"""Alert and webhook tables: rules edited through the API, incidents, subscriptions, deliveries."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from vmsdq.store.models import Base, Scoped, UTCDateTime


class AlertRuleRow(Scoped, Base):
    """An alert rule set through the API; it wins over the rule of that name in vmsdq.yaml
    (``deleted`` hides a rule the file declares)."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Unique("tenant_id", "project", "name", name="uq_alert_rules_scope_name"),)


class IncidentRow(Scoped, Base):
    """One incident: an alert rule's condition holding for one subject, from open to resolved."""

    __tablename__ = "alert_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(400))  # overall, an entity, a rule...
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # open | resolved
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quiet_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # cool-down
    notified: Mapped[str] = mapped_column(String(16), default="")  # '', fired, resolved
    run_id: Mapped[str | None] = mapped_column(String(64))  # the run that last saw it
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_alert_incidents_scope_rule", "tenant_id", "project", "rule", "subject"),
    )


class SubscriptionRow(Scoped, Base):
    """A webhook endpoint and the events it receives."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(255))  # sealed when a key is set
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryRow(Scoped, Base):
    """One message to one endpoint (a subscription or an alert channel), retried until it
    is delivered or given up."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # subscription | channel
    target: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index(
            "ix_deliveries_scope_status_next", "tenant_id", "project", "status", "next_attempt_at"
        ),
        Index("ix_deliveries_scope_created", "tenant_id", "project", "created_at"),
    )


class AttemptRow(Scoped, Base):
    """One attempt of a delivery: when, the status code (HTTP or SMTP), the error."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (Index("ix_delivery_attempts_delivery", "delivery_id"),)
