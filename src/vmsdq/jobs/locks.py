"""Leases held by one process at a time: a Redis key that expires, or a local file lock.

Beat holds one so two beat processes never both schedule; the worker's maintenance sweep
holds one so a single worker sweeps at a time. A holder renews its lease well before it
expires; a holder that dies loses it after ``ttl`` seconds and another takes over.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from pathlib import Path
from typing import IO, Protocol

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease(Protocol):
    ttl: float

    def hold(self) -> bool:
        """Take the lease, or renew it when this holder has it; False when another has it."""
        ...

    def release(self) -> None: ...


class RedisLease:
    def __init__(self, url: str, key: str, ttl: float) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key, self.ttl = key, ttl
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew = self.client.register_script(_RENEW)
        self._release = self.client.register_script(_RELEASE)

    def hold(self) -> bool:
        import redis

        ms = int(self.ttl * 1000)
        try:
            if self._renew(keys=[self.key], args=[self.token, ms]):
                return True
            return bool(self.client.set(self.key, self.token, nx=True, px=ms))
        except redis.RedisError:
            return False  # cannot tell who holds it: behave as if another did

    def holder(self) -> str | None:
        found = self.client.get(self.key)
        return found.decode() if isinstance(found, bytes) else None

    def release(self) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):
            self._release(keys=[self.key], args=[self.token])


class FileLease:
    """An exclusive ``flock`` on a file: for one machine only (no Redis to share a lease)."""

    def __init__(self, path: Path, ttl: float = 30.0) -> None:
        self.path, self.ttl = path, ttl
        self._handle: IO[str] | None = None

    def hold(self) -> bool:
        import fcntl

        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def lease(redis_url: str | None, key: str, ttl: float, fallback: Path) -> Lease:
    """A Redis lease when the deployment has Redis, else a file lock at ``fallback``."""
    if redis_url:
        return RedisLease(redis_url, key, ttl)
    return FileLease(fallback, ttl)
