"""Deliveries to webhook endpoints and alert channels: queued, attempted, retried, logged.

A delivery is attempted at once and, while it fails, again after an exponentially growing
pause (``webhooks.retry_backoff`` doubled up to ``retry_backoff_max``) until
``webhooks.retry_for`` (26 h by default) has passed; each attempt is logged with its status
code. A subscription failing for ``webhooks.disable_after`` (3 days) is disabled and its
pending deliveries given up. With a broker the attempts run as Celery tasks
(``vmsdq.jobs.deliveries``); without one, in this process (the first at once, retries when
:func:`deliver_due` next runs: after every run, or from the beat's sweep).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import Any, Protocol

from vmsdq.core.errors import NotFoundError
from vmsdq.services.channels import SendError, send
from vmsdq.services.context import Context
from vmsdq.services.jobconfig import JobSettings, job_settings
from vmsdq.spec.alerts import seconds
from vmsdq.store.pages import Page
from vmsdq.store.repos.webhooks import Attempt, Delivery

log = logging.getLogger(__name__)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class Dispatcher(Protocol):
    def send(self, delivery_ids: Sequence[str]) -> None:
        """Have the deliveries attempted (now, elsewhere)."""
        ...


def enqueue(
    ctx: Context, target_kind: str, target: str, event: str, payload: dict[str, Any]
) -> Delivery:
    now = ctx.clock()
    delivery = Delivery(
        id=f"dl_{uuid.uuid4().hex}",
        target_kind=target_kind,
        target=target,
        event=event,
        payload=payload,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        last_status=None,
        last_error="",
        created_at=now,
        delivered_at=None,
    )
    ctx.repos.webhooks.add_deliveries([delivery])
    return delivery


def delay(ctx: Context, attempts: int) -> timedelta:
    """The pause before the next attempt after ``attempts`` failed ones."""
    spec = ctx.project.spec.webhooks
    base, cap = seconds(spec.retry_backoff), seconds(spec.retry_backoff_max)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def attempt(ctx: Context, delivery_id: str, *, force: bool = False) -> Delivery:
    """Attempt one delivery once (when it is pending, or with ``force``); log the attempt."""
    repo = ctx.repos.webhooks
    delivery = repo.delivery(delivery_id)
    if delivery is None:
        raise NotFoundError(f"delivery '{delivery_id}' does not exist")
    if delivery.status != PENDING and not force:
        return delivery
    started = time.perf_counter()
    code, error, final = None, "", False
    try:
        code = send(ctx, delivery)
    except SendError as exc:
        code, error, final = exc.status, exc.message, exc.final
    now = ctx.clock()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = code, error
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
    else:
        _after_failure(ctx, delivery, now, final)
    repo.record_attempt(delivery, Attempt(now, code, error, time.perf_counter() - started))
    _endpoint_health(ctx, delivery, now)
    return delivery


def _after_failure(ctx: Context, delivery: Delivery, now: datetime, final: bool) -> None:
    give_up_at = delivery.created_at + timedelta(
        seconds=seconds(ctx.project.spec.webhooks.retry_for)
    )
    if final or now >= give_up_at:
        hours = (now - delivery.created_at).total_seconds() / 3600
        why = "" if final else f" (gave up after {delivery.attempts} attempts over {hours:.1f} h)"
        delivery.status, delivery.next_attempt_at = FAILED, None
        delivery.last_error += why
        log.warning(
            "delivery %s to %s failed: %s", delivery.id, delivery.target, delivery.last_error
        )
        return
    delivery.next_attempt_at = now + delay(ctx, delivery.attempts)


def _endpoint_health(ctx: Context, delivery: Delivery, now: datetime) -> None:
    """Track how long a subscription has failed; disable it after ``disable_after``."""
    if delivery.target_kind != "subscription":
        return
    repo = ctx.repos.webhooks
    sub = repo.subscription(delivery.target)
    if sub is None or not sub.active:
        return
    if delivery.status == DELIVERED:
        if sub.failing_since is not None:
            sub.failing_since = None
            repo.save_subscription(sub)
        return
    sub.failing_since = sub.failing_since or now
    limit = timedelta(seconds=seconds(ctx.project.spec.webhooks.disable_after))
    if now - sub.failing_since >= limit:
        days = (now - sub.failing_since).total_seconds() / 86400
        sub.active = False
        sub.disabled_reason = (
            f"every delivery failed for {days:.1f} days (since {sub.failing_since:%Y-%m-%d %H:%M} "
            f"UTC; last: {delivery.last_error[:200]})"
        )
        log.warning("webhook %s disabled: %s", sub.id, sub.disabled_reason)
        for pending in repo.pending_for("subscription", sub.id):
            pending.status, pending.next_attempt_at = FAILED, None
            pending.last_error = f"endpoint disabled: {sub.disabled_reason}"
            repo.save_delivery(pending)
    repo.save_subscription(sub)


def deliver_due(ctx: Context, *, limit: int = 100) -> list[Delivery]:
    """Attempt every pending delivery whose time has come (the retry sweep)."""
    return [attempt(ctx, d.id) for d in ctx.repos.webhooks.due(ctx.clock(), limit)]


def redeliver(ctx: Context, delivery_id: str) -> Delivery:
    """Send a delivery again now, whatever its state (admins only)."""
    ctx.require("settings")
    found = ctx.repos.webhooks.delivery(delivery_id)
    if found is None:
        raise NotFoundError(f"delivery '{delivery_id}' does not exist")
    found.status, found.next_attempt_at = PENDING, ctx.clock()
    ctx.repos.webhooks.save_delivery(found)
    return attempt(ctx, delivery_id, force=True)


def list_deliveries(
    ctx: Context,
    *,
    target: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Delivery]:
    ctx.require("settings")
    return ctx.repos.webhooks.page(target=target, status=status, cursor=cursor, limit=limit)


def get_delivery(ctx: Context, delivery_id: str) -> tuple[Delivery, list[Attempt]]:
    ctx.require("settings")
    found = ctx.repos.webhooks.delivery(delivery_id)
    if found is None:
        raise NotFoundError(f"delivery '{delivery_id}' does not exist")
    return found, ctx.repos.webhooks.attempts(delivery_id)


def dispatch(ctx: Context, deliveries: Sequence[Delivery]) -> None:
    """Have ``deliveries`` attempted: by Celery workers when a broker is configured, else
    here and now (a failure waits for its retry)."""
    if not deliveries:
        return
    dispatcher = dispatcher_for(ctx)
    if dispatcher is None:
        for d in deliveries:
            attempt(ctx, d.id)
        return
    dispatcher.send([d.id for d in deliveries])


_DISPATCHERS: dict[tuple[Any, ...], Dispatcher] = {}
_LOCK = threading.Lock()
Factory = Callable[[JobSettings], Dispatcher]


def dispatcher_for(ctx: Context) -> Dispatcher | None:
    """The Celery dispatcher of the project's broker (``vmsdq.dispatchers`` entry point),
    or None without a broker."""
    settings = job_settings(ctx.project)
    if settings.embedded:
        return None
    key = (settings.broker, settings.result_backend, settings.queue, settings.project_root)
    with _LOCK:
        found = _DISPATCHERS.get(key)
        if found is None:
            points = [ep for ep in entry_points(group="vmsdq.dispatchers") if ep.name == "celery"]
            if not points:
                return None
            factory: Factory = points[0].load()
            found = _DISPATCHERS[key] = factory(settings)
        return found
