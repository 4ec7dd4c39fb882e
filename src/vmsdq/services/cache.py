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
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from vmsdq.services import metrics
from vmsdq.services.context import Context
from vmsdq.services.jobconfig import redact

if TYPE_CHECKING:
    from vmsdq.spec.models import Project

T = TypeVar("T")
DEFAULT_TTL = 300.0
log = logging.getLogger(__name__)


class Cache(Protocol):
    name: str

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: float = DEFAULT_TTL) -> None: ...
    def clear(self) -> None: ...


class MemoryCache:
    """At most ``max_entries`` values and ``max_bytes`` in this process, least recently used
    dropped first (a page is some hundred kilobytes: the byte budget is what binds)."""

    name = "memory"

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 2**20) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._values: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._values.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: float = DEFAULT_TTL) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            self._drop(key)
            self._values[key] = (time.monotonic() + ttl, value)
            self._bytes += len(value)
            while len(self._values) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._values)))

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        found = self._values.pop(key, None)
        if found is not None:
            self._bytes -= len(found[1])


class NullCache:
    """Caches nothing: every read is computed (a miss). For measuring cold reads."""

    name = "none"

    def get(self, key: str) -> bytes | None:
        return None

    def set(self, key: str, value: bytes, ttl: float = DEFAULT_TTL) -> None:
        return None

    def clear(self) -> None:
        return None


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
    """What every cached read of the project depends on: the stored runs (added, deleted, a
    status or a step's progress changed), the newest settings version and the project files
    loaded (rules, the ``scoring:`` section). One indexed query; it runs on every request."""
    return f"{project_digest(ctx.project)}:{ctx.repos.changes.marks()}"


_DIGESTS: dict[int, tuple[weakref.ref[Project], str]] = {}


def project_digest(project: Project) -> str:
    """A digest of the loaded project (the same files give the same digest in every process),
    computed once per loaded project."""
    found = _DIGESTS.get(id(project))
    if found is not None and found[0]() is project:
        return found[1]
    text = json.dumps(project.model_dump(mode="json"), sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    key = id(project)
    with _LOCK:
        _DIGESTS[key] = (weakref.ref(project, lambda _: _DIGESTS.pop(key, None)), digest)
    return digest


def key_for(
    ctx: Context,
    resource: str,
    params: dict[str, Any] | None = None,
    *,
    at: str | None = None,
) -> str:
    """The cache key of ``resource`` read with ``params`` under the current version (``at``:
    a version already read in this request). The actor's role is part of the key: what a
    page shows may depend on what the caller may do."""
    digest = hashlib.sha256(
        json.dumps(params or {}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    scope = f"{ctx.tenant}:{ctx.project.spec.name}"
    return f"{scope}:{at or version(ctx)}:{ctx.actor.role}:{resource}:{digest}"


def cached(
    ctx: Context,
    cache: Cache,
    resource: str,
    compute: Callable[[], T],
    *,
    params: dict[str, Any] | None = None,
    ttl: float = DEFAULT_TTL,
    permission: str = "read",
    at: str | None = None,
) -> T:
    """``compute()`` (a JSON-able value), served from ``cache`` while the version holds.

    ``permission`` is checked before the look-up: a hit never skips the check the use case
    behind ``compute`` would have made (``read_rows`` for failing rows).
    """
    found, value = _look_up(ctx, cache, resource, compute, params, ttl, permission, at)
    result: T = json.loads(found) if found is not None else value
    return result


def cached_json(
    ctx: Context,
    cache: Cache,
    resource: str,
    compute: Callable[[], Any],
    *,
    params: dict[str, Any] | None = None,
    ttl: float = DEFAULT_TTL,
    permission: str = "read",
    at: str | None = None,
) -> bytes:
    """As :func:`cached`, but the JSON text itself: a hit is sent as it was stored, never
    decoded and encoded again."""
    found, value = _look_up(ctx, cache, resource, compute, params, ttl, permission, at)
    return found if found is not None else _encode(value)


def _look_up(
    ctx: Context,
    cache: Cache,
    resource: str,
    compute: Callable[[], Any],
    params: dict[str, Any] | None,
    ttl: float,
    permission: str,
    at: str | None,
) -> tuple[bytes | None, Any]:
    """(the stored JSON, None) on a hit; (None, the computed value, now stored) on a miss."""
    ctx.require(permission)
    key = key_for(ctx, resource, params, at=at)
    found = cache.get(key)
    metrics.cache_used(cache.name, found is not None)
    if found is not None:
        return found, None
    value = compute()
    cache.set(key, _encode(value), ttl)
    return None, value


def _encode(value: Any) -> bytes:
    return json.dumps(value, default=str, separators=(",", ":")).encode()
