"""Whether what a front end depends on answers: the results database, the broker, the cache.

Each check takes at most about a second. :class:`Readiness` keeps the last answer for a few
seconds so a page can say "degraded" without asking Redis on every request. No URL with a
password ever appears in an answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from vmsdq.services.context import Context
from vmsdq.services.jobconfig import JobSettings
from vmsdq.services.logs import scrub

TIMEOUT = 1.0  # seconds a check waits for an answer


@dataclass(frozen=True)
class Check:
    name: str  # database, broker, cache
    ok: bool
    detail: str  # what was checked, or why it is down

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def database(ctx: Context) -> Check:
    """One query on the results database."""
    from sqlalchemy import text

    try:
        with ctx.db.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 (any failure means not ready; the reason is kept)
        return Check("database", False, _why(exc))
    return Check("database", True, f"{ctx.db.url.get_backend_name()} answers")


def broker(url: str | None) -> Check:
    """A connection to the broker; without one, runs execute in this process."""
    if url is None:
        return Check("broker", True, "none configured: runs execute in this process")
    try:
        if url.startswith(("redis", "rediss")):
            _ping_redis(url)
        else:
            import kombu

            connection: Any = kombu.Connection  # type: ignore[attr-defined]
            with connection(url, connect_timeout=TIMEOUT) as conn:
                conn.ensure_connection(max_retries=0, timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 (redis, kombu and amqp raise their own)
        return Check("broker", False, f"{scrub(url)} unreachable: {_why(exc)}")
    return Check("broker", True, f"{scrub(url)} answers")


def cache(url: str | None) -> Check:
    """A ping of the Redis cache; the in-process cache is always there."""
    from vmsdq.services.cache import RedisCache, cache_for

    found = cache_for(url)
    if not isinstance(found, RedisCache):
        return Check("cache", True, "in-process")
    if not found.ping():
        return Check("cache", False, f"{scrub(url or '')} unreachable")
    return Check("cache", True, f"{scrub(url or '')} answers")


def readiness(ctx: Context, settings: JobSettings) -> list[Check]:
    return [database(ctx), broker(settings.broker), cache(settings.cache)]


class Readiness:
    """The last checks of the broker and the cache, done again after ``ttl`` seconds."""

    def __init__(self, settings: JobSettings, ttl: float = 5.0) -> None:
        self.settings, self.ttl = settings, ttl
        self._at = -ttl
        self._found: list[Check] = []
        self._lock = threading.Lock()

    def services(self) -> list[Check]:
        with self._lock:
            if time.monotonic() - self._at < self.ttl:
                return list(self._found)
        found = [broker(self.settings.broker), cache(self.settings.cache)]
        with self._lock:
            self._found, self._at = found, time.monotonic()
        return found

    def down(self) -> list[Check]:
        return [c for c in self.services() if not c.ok]


_CLIENTS: dict[str, Any] = {}


def _ping_redis(url: str) -> None:
    import redis

    client = _CLIENTS.get(url)
    if client is None:
        client = _CLIENTS[url] = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
    client.ping()


def _why(exc: BaseException) -> str:
    from vmsdq.services.run_steps import describe

    return scrub(describe(exc))
