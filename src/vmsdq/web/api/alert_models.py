"""API models of alert rules, incidents, channels, webhook subscriptions and deliveries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from vmsdq.web.api.models import Cursor, Query, View

Kind = Literal[
    "score_below",
    "score_drop",
    "new_anomaly",
    "critical_failing",
    "reconciliation_gap",
    "run_failed",
    "run_overdue",
]
Severity = Literal["critical", "error", "warning", "info"]
Event = Literal[
    "run.completed", "run.failed", "score.changed", "anomaly.detected", "alert.fired",
    "alert.resolved",
]  # fmt: skip


class AlertScope(View):
    tenant: str | None = None
    entity: str | None = None
    dimension: str | None = None
    rule: str | None = None


class AlertRuleBody(Query):
    """An alert rule as PUT /alerts/rules/{name} takes it (see docs/alerts.md)."""

    kind: Kind
    severity: Severity = "warning"
    scope: AlertScope = Field(default_factory=AlertScope)
    threshold: float | None = Field(default=None, description="score_below: the bar (0-100)")
    points: float | None = Field(default=None, description="score_drop: points lost")
    compare_to: Literal["previous", "mean_7d"] = "previous"
    tolerance: float | None = Field(default=None, description="reconciliation_gap: 0-1")
    verdicts: list[Literal["failed", "incomplete"]] | None = None
    max_age: str | None = Field(default=None, max_length=20, description="run_overdue: 26h")
    cooldown: str | None = Field(default=None, max_length=20, description="e.g. 1h")
    channels: list[str] = Field(default_factory=list, max_length=50)
    enabled: bool = True
    description: str | None = Field(default=None, max_length=2000)


class AlertRule(View):
    name: str
    kind: str
    severity: str
    scope: AlertScope
    threshold: float | None
    points: float | None
    compare_to: str
    tolerance: float | None
    verdicts: list[str]
    max_age: str | None
    cooldown: str | None
    channels: list[str]
    enabled: bool
    description: str | None
    origin: str = Field(description="vmsdq.yaml, or api (set or changed through the API)")


class AlertRuleList(View):
    items: list[AlertRule]


class Deleted(View):
    deleted: str


class IncidentsQuery(Query):
    status: Literal["open", "resolved"] | None = None
    rule: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=200, ge=1, le=1000)


class Incident(View):
    id: int
    rule: str
    subject: str
    kind: str
    severity: str
    status: str
    since: str
    last_seen_at: str
    resolved_at: str | None
    run_id: str | None
    value: float | None
    message: str
    link: str


class IncidentList(View):
    items: list[Incident]


class Channel(View):
    name: str
    type: str
    target: str = Field(description="recipients, or the URL without its token")


class ChannelList(View):
    items: list[Channel]


class NewSubscription(Query):
    url: str = Field(min_length=1, max_length=2000)
    events: list[Event] = Field(min_length=1)
    description: str = Field(default="", max_length=2000)


class SubscriptionChange(Query):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    events: list[Event] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=2000)
    active: bool | None = None


class Subscription(View):
    id: str
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_reason: str
    failing_since: str | None
    created_at: str | None
    secret_hint: str


class NewSubscriptionCreated(Subscription):
    secret: str = Field(description="shown only now: sign-check deliveries with it")


class SubscriptionList(View):
    items: list[Subscription]


class DeliveriesQuery(Query):
    target: str | None = Field(default=None, max_length=100)
    status: Literal["pending", "delivered", "failed"] | None = None
    cursor: str | None = Cursor
    limit: int = Field(default=50, ge=1, le=1000)


class Delivery(View):
    id: str
    target_kind: str
    target: str
    event: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str
    next_attempt_at: str | None
    created_at: str | None
    delivered_at: str | None


class DeliveryPage(View):
    items: list[Delivery]
    next_cursor: str | None


class AttemptLog(View):
    at: str | None
    status_code: int | None = Field(description="HTTP status, or the SMTP reply code")
    error: str
    seconds: float


class DeliveryDetail(Delivery):
    payload: dict[str, Any]
    log: list[AttemptLog]
