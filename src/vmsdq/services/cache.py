"""A cache for reads (dashboard, API): Redis when configured, in-process otherwise.

Keys are versioned by the newest run (its id, status and last progress) and the settings in
force, so a new run, a run's progress or a settings change shows at once: the old entries are
never read again and expire. Every look-up counts as a hit or a miss (``metrics``); Redis
errors count as misses and the value is computed, so a cache outage only slows reads down.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from vmsdq.services import metrics
from vmsdq.services.context import Context
from vmsdq.services.jobconfig import redact

T = TypeVar("T")
DEFAULT_TTL = 300.0
log = logging.getLogger(__name__)


class Cache(Protocol):
    name: str

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: float = DEFAULT_TTL) -> None: ...
    def clear(self) -> None: ...


class MemoryCache:
    """At most ``max_entries`` values in this process, least recently used dropped first."""

    name = "memory"

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                del self._values[key]
                return None
            self._values.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: float = DEFAULT_TTL) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + ttl, value)
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class RedisCache:
    """Values in Redis under ``vmsdq:cache:``, shared by every web process and machine."""

    name = "redis"
    prefix = "vmsdq:cache:"

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def get(self, key: str) -> bytes | None:
        import redis

        try:
            found = self.client.get(self.prefix + key)
        except redis.RedisError as exc:
            log.warning("cache %s unreachable: %s", redact(self.url), type(exc).__name__)
            return None
        return found if isinstance(found, bytes) else None

    def set(self, key: str, value: bytes, ttl: float = DEFAULT_TTL) -> None:
        import redis

        try:
            self.client.set(self.prefix + key, value, px=int(ttl * 1000))
        except redis.RedisError as exc:
            log.warning("cache %s unreachable: %s", redact(self.url), type(exc).__name__)

    def clear(self) -> None:
        for key in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(key)

    def ping(self) -> bool:
        import redis

        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


_CACHES: dict[str | None, Cache] = {}
_LOCK = threading.Lock()


def cache_for(url: str | None) -> Cache:
    """The process's cache for ``url`` (a Redis URL), or the in-process one for None."""
    with _LOCK:
        found = _CACHES.get(url)
        if found is None:
            found = _CACHES[url] = RedisCache(url) if url else MemoryCache()
        return found


def version(ctx: Context) -> str:
    """What every cached read of the project depends on: the newest run and the settings."""
    from vmsdq.services.settings import in_force

    newest = ctx.repos.runs.page(limit=1).items
    run = (
        f"{newest[0].run_id}.{newest[0].status}.{newest[0].updated_at:%Y%m%d%H%M%S%f}"
        if newest and newest[0].updated_at
        else (newest[0].run_id if newest else "none")
    )
    config = in_force(ctx)
    return f"r{run}:c{config.version}.{config.yaml_digest[:12]}"


def key_for(ctx: Context, resource: str, params: dict[str, Any] | None = None) -> str:
    """The cache key of ``resource`` read with ``params`` under the current version."""
    digest = hashlib.sha256(
        json.dumps(params or {}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"{ctx.tenant}:{ctx.project.spec.name}:{version(ctx)}:{resource}:{digest}"


def cached(
    ctx: Context,
    cache: Cache,
    resource: str,
    compute: Callable[[], T],
    *,
    params: dict[str, Any] | None = None,
    ttl: float = DEFAULT_TTL,
    permission: str = "read",
) -> T:
    """``compute()`` (a JSON-able value), served from ``cache`` while the version holds.

    ``permission`` is checked before the look-up: a hit never skips the check the use case
    behind ``compute`` would have made (``read_rows`` for failing rows).
    """
    ctx.require(permission)
    key = key_for(ctx, resource, params)
    found = cache.get(key)
    metrics.cache_used(cache.name, found is not None)
    if found is not None:
        value: T = json.loads(found)
        return value
    value = compute()
    cache.set(key, json.dumps(value, default=str).encode(), ttl)
    return value
