"""Webhook subscriptions and the events they receive, as versioned, signed JSON.

Every event is an envelope ``{id, type, version, created_at, tenant, project, data}``
(docs/alerts.md has the schema of each ``data``). Each delivery is signed: the header
``X-Vmsdq-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>``.
A receiver recomputes it, compares in constant time and refuses a ``t`` older than five
minutes, so a recorded delivery cannot be replayed (``vmsdq.client.verify_signature``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.services.context import Context
from vmsdq.services.outbound import OutboundPolicy
from vmsdq.store.repos.webhooks import Subscription

VERSION = 1
EVENTS = (
    "run.completed",
    "run.failed",
    "score.changed",
    "anomaly.detected",
    "alert.fired",
    "alert.resolved",
)
SIGNATURE_HEADER = "X-Vmsdq-Signature"


def envelope(ctx: Context, event: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The JSON every receiver gets: the event's type and version around its ``data``."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event,
        "version": VERSION,
        "created_at": at.isoformat(),
        "tenant": ctx.tenant,
        "project": ctx.project.spec.name,
        "data": data,
    }


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header's value for ``body``: ``t=<unix time>,v1=<hex digest>``."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def list_subscriptions(ctx: Context) -> list[Subscription]:
    ctx.require("settings")
    return ctx.repos.webhooks.subscriptions()


def get_subscription(ctx: Context, sub_id: str) -> Subscription:
    ctx.require("settings")
    found = ctx.repos.webhooks.subscription(sub_id)
    if found is None:
        raise NotFoundError(f"webhook subscription '{sub_id}' does not exist")
    return found


def subscribe(ctx: Context, url: str, events: list[str], description: str = "") -> Subscription:
    """A new subscription (admins only). The URL must be allowed by ``webhooks:``; the secret
    is shown only in this answer."""
    ctx.require("settings")
    _check_events(events)
    OutboundPolicy.of(ctx.project.spec.webhooks).check(url)
    sub = Subscription(
        id=f"wh_{secrets.token_hex(8)}",
        url=url,
        events=sorted(set(events), key=EVENTS.index),
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        description=description,
        active=True,
        disabled_reason="",
        failing_since=None,
        created_at=ctx.clock(),
    )
    ctx.repos.webhooks.add_subscription(sub)
    return sub


def update_subscription(
    ctx: Context,
    sub_id: str,
    *,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Subscription:
    """Change a subscription; ``active=True`` enables one that was disabled for failing."""
    sub = get_subscription(ctx, sub_id)
    if url is not None:
        OutboundPolicy.of(ctx.project.spec.webhooks).check(url)
        sub.url = url
    if events is not None:
        _check_events(events)
        sub.events = sorted(set(events), key=EVENTS.index)
    if description is not None:
        sub.description = description
    if active is not None:
        sub.active = active
        if active:
            sub.disabled_reason, sub.failing_since = "", None
    ctx.repos.webhooks.save_subscription(sub)
    return sub


def unsubscribe(ctx: Context, sub_id: str) -> None:
    ctx.require("settings")
    if not ctx.repos.webhooks.delete_subscription(sub_id):
        raise NotFoundError(f"webhook subscription '{sub_id}' does not exist")


def _check_events(events: list[str]) -> None:
    if not events:
        raise ConfigError(f"events: give at least one of {', '.join(EVENTS)}")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ConfigError(f"events: unknown {unknown}; known: {', '.join(EVENTS)}")


def secret_hint(secret: str) -> str:
    """How a stored secret is shown after creation: its prefix and last four characters."""
    return f"{secret[:6]}...{secret[-4:]}"
