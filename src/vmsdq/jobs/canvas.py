"""A run as a Celery canvas, and handing it to the broker.

``group(read views) | group(validate entities) | finish`` (Celery turns each group followed
by a task into a chord). Every signature is immutable: tasks take ids, never the results of
the tasks before them. Once sent, the run is marked dispatched (in Redis, beside the queue);
a run that could not be sent stays ``queued`` and the worker's sweep sends it again.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from celery import Celery, chain, group
from celery.canvas import Signature

from vmsdq.services.jobconfig import JobSettings, redact

log = logging.getLogger(__name__)
MARKER = "vmsdq:dispatched:"


def run_canvas(app: Celery, root: str, run_id: str, plan: dict[str, Any]) -> Signature:
    """The canvas of a run over the project in ``root``, from its stored plan."""
    reads = [
        app.signature("vmsdq.read_view", (root, run_id, v), immutable=True) for v in plan["reads"]
    ]
    checks = [
        app.signature("vmsdq.validate_entity", (root, run_id, e), immutable=True)
        for e in plan["entities"]
    ]
    finish = app.signature("vmsdq.finish_run", (root, run_id), immutable=True)
    parts: list[Signature] = [group(p) if len(p) > 1 else p[0] for p in (reads, checks) if p]
    return chain(*parts, finish)


def dispatch(
    app: Celery, scope: tuple[str, str], root: str, run_id: str, plan: dict[str, Any]
) -> bool:
    """Send the run's canvas; False (and a warning) when the broker cannot be reached."""
    settings: JobSettings = app.vmsdq_settings
    try:
        run_canvas(app, root, run_id, plan).apply_async(queue=settings.queue)
    except Exception as exc:  # noqa: BLE001 (kombu, redis and amqp each raise their own)
        log.warning(
            "run %s stays queued: broker %s unreachable (%s); it is sent again when it is back",
            run_id,
            redact(settings.broker or ""),
            type(exc).__name__,
            extra={"run_id": run_id},
        )
        return False
    mark_dispatched(settings, scope, run_id)
    return True


def marker_key(scope: tuple[str, str], run_id: str) -> str:
    tenant, project = scope
    return f"{MARKER}{tenant}:{project}:{run_id}"


def mark_dispatched(settings: JobSettings, scope: tuple[str, str], run_id: str) -> None:
    client = _client(settings)
    if client is None:
        return
    try:
        ttl = settings.run_time_limit + settings.visibility_timeout
        client.set(marker_key(scope, run_id), "1", ex=int(ttl))
    except Exception as exc:  # noqa: BLE001 (the run was sent; a missing marker costs a resend)
        log.warning("could not mark run %s dispatched: %s", run_id, type(exc).__name__)


def claim(settings: JobSettings, scope: tuple[str, str], run_id: str) -> bool | None:
    """Take the right to send the run (True once per run; None: no Redis to decide)."""
    client = _client(settings)
    if client is None:
        return None
    ttl = settings.run_time_limit + settings.visibility_timeout
    return bool(client.set(marker_key(scope, run_id), "claimed", nx=True, ex=int(ttl)))


def was_dispatched(settings: JobSettings, scope: tuple[str, str], run_id: str) -> bool | None:
    """Whether the run's canvas was sent (None: this deployment keeps no markers)."""
    client = _client(settings)
    if client is None:
        return None
    return bool(client.exists(marker_key(scope, run_id)))


def forget_dispatched(settings: JobSettings, scope: tuple[str, str], run_id: str) -> None:
    client = _client(settings)
    if client is not None:
        with contextlib.suppress(Exception):  # an expiring marker goes anyway
            client.delete(marker_key(scope, run_id))


_CLIENTS: dict[str, Any] = {}


def _client(settings: JobSettings) -> Any:
    url = settings.redis
    if url is None:
        return None
    found = _CLIENTS.get(url)
    if found is None:
        import redis

        found = _CLIENTS[url] = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2
        )
    return found
