"""Typed shapes of the API's main resources (they mirror /api/openapi.json; the SDK's tests
check each against the document)."""

from __future__ import annotations

from typing import Any, TypedDict

JSON = dict[str, Any]


class RunSummary(TypedDict):
    run_id: str
    project: str
    status: str
    started_at: str | None
    finished_at: str | None
    updated_at: str | None
    config_version: int | None
    entities: int
    rules: int
    failed_rules: int
    score: float | None
    band: str | None
    message: str


class Step(TypedDict):
    kind: str
    name: str
    status: str
    rows: int
    rules_total: int
    rules_done: int
    attempts: int
    message: str
    started_at: str | None
    finished_at: str | None


class RunProgress(RunSummary):
    progress: JSON
    steps: list[Step]
    verdict: str | None


class RuleResult(TypedDict):
    entity: str
    rule: str
    kind: str
    dimension: str
    severity: str
    weight: float
    evaluated: int
    failed: int
    pass_rate: float | None
    outcome: str
    message: str
    observed: float | None


class Failure(TypedDict):
    rule: str
    key: str | None
    values: JSON
    key_parts: JSON | None  # a composite key's parts by field (None for a one-field key)


class SettingsVersion(TypedDict):
    version: int
    saved: bool
    note: str
    created_at: str | None
    settings: JSON


class AlertRule(TypedDict):
    name: str
    kind: str
    severity: str
    scope: JSON
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
    origin: str


class Incident(TypedDict):
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


class Subscription(TypedDict):
    id: str
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_reason: str
    failing_since: str | None
    created_at: str | None
    secret_hint: str


class NewSubscription(Subscription):
    secret: str


class Delivery(TypedDict):
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


class DeliveryDetail(Delivery):
    payload: JSON
    log: list[JSON]


# Resource TypedDicts the tests compare with the OpenAPI schema of the same name.
CHECKED: dict[str, type] = {
    "RunSummary": RunSummary,
    "RunProgress": RunProgress,
    "Step": Step,
    "RuleResult": RuleResult,
    "Failure": Failure,
    "SettingsVersion": SettingsVersion,
    "AlertRule": AlertRule,
    "Incident": Incident,
    "Subscription": Subscription,
    "NewSubscriptionCreated": NewSubscription,
    "Delivery": Delivery,
    "DeliveryDetail": DeliveryDetail,
}
