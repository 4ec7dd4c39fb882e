"""The JSON shape of alert rules, incidents, channels, subscriptions and deliveries, defined
once for the API, the CLI and the SDK. Secrets never appear: a subscription's secret is
shown once, when it is created; channel URLs and SMTP logins are named by variable only."""

from __future__ import annotations

from typing import Any

from vmsdq.services.alert_rules import AlertRule
from vmsdq.services.alerts import incident_view
from vmsdq.services.outbound import safe_url
from vmsdq.services.webhooks import secret_hint
from vmsdq.spec.alerts import EmailChannelSpec, WebhookChannelSpec
from vmsdq.store.repos.alerts import Incident
from vmsdq.store.repos.webhooks import Attempt, Delivery, Subscription

__all__ = ["incident_view"]


def when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def alert_rule_view(rule: AlertRule) -> dict[str, Any]:
    spec = rule.spec.model_dump(mode="json")
    return {**spec, "origin": rule.origin}


def incidents_view(items: list[Incident]) -> dict[str, Any]:
    return {"items": [incident_view(i) for i in items]}


def channel_view(name: str, channel: EmailChannelSpec | WebhookChannelSpec) -> dict[str, Any]:
    if isinstance(channel, EmailChannelSpec):
        target = f"{', '.join(channel.to)} via {channel.smtp.host}:{channel.smtp.port}"
        return {"name": name, "type": channel.type, "target": target}
    target = safe_url(channel.url) if channel.url else f"${channel.url_env}"
    return {"name": name, "type": channel.type, "target": target}


def subscription_view(sub: Subscription, *, with_secret: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": sub.id,
        "url": sub.url,
        "events": sub.events,
        "description": sub.description,
        "active": sub.active,
        "disabled_reason": sub.disabled_reason,
        "failing_since": when(sub.failing_since),
        "created_at": when(sub.created_at),
        "secret_hint": secret_hint(sub.secret),
    }
    if with_secret:
        out["secret"] = sub.secret
    return out


def delivery_view(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "target_kind": d.target_kind,
        "target": d.target,
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_attempt_at": when(d.next_attempt_at),
        "created_at": when(d.created_at),
        "delivered_at": when(d.delivered_at),
    }


def attempt_view(a: Attempt) -> dict[str, Any]:
    return {
        "at": when(a.at),
        "status_code": a.status_code,
        "error": a.error,
        "seconds": round(a.seconds, 3),
    }


def delivery_detail_view(d: Delivery, attempts: list[Attempt]) -> dict[str, Any]:
    body = d.payload.get("event", d.payload)
    return delivery_view(d) | {"payload": body, "log": [attempt_view(a) for a in attempts]}
