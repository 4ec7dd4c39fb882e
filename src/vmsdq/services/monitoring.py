"""The monitoring figures over time: the metrics sampled every ``interval`` seconds.

Each sample says what happened since the one before: runs finished and their mean duration,
rows per second of each entity's last validation, queue depth, task failures and retries,
the cache hit rate, HTTP requests and latency per route, each live worker's CPU (cores in
use) and memory. Samples are kept beside the metrics: in Redis (a capped list, newest
first) when metrics are shared, so every web process shows the same history and one
process samples per interval; else in this process (lost on restart).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import Any, Protocol

from vmsdq.services import metrics

log = logging.getLogger(__name__)
KEEP = 1440  # samples kept: a day at one a minute
SAMPLES, LAST, SLOT = (metrics.PREFIX + k for k in ("samples", "sampled", "slot:"))
Values = dict[str, dict[str, float]]


class History(Protocol):
    def claim(self, slot: int, ttl: float) -> bool: ...
    def last(self) -> dict[str, Any] | None: ...
    def push(self, raw: dict[str, Any], sample: dict[str, Any]) -> None: ...
    def read(self, limit: int) -> list[dict[str, Any]]: ...


class MemoryHistory:
    def __init__(self) -> None:
        self._samples: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self._last: dict[str, Any] | None = None
        self._slots: set[int] = set()
        self._lock = threading.Lock()

    def claim(self, slot: int, ttl: float) -> bool:
        with self._lock:
            if slot in self._slots:
                return False
            self._slots = {s for s in self._slots if s > slot - 10} | {slot}
            return True

    def last(self) -> dict[str, Any] | None:
        return self._last

    def push(self, raw: dict[str, Any], sample: dict[str, Any]) -> None:
        with self._lock:
            self._last = raw
            self._samples.append(sample)

    def read(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._samples)[-limit:]


class RedisHistory:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def claim(self, slot: int, ttl: float) -> bool:
        return bool(self.client.set(f"{SLOT}{slot}", "1", nx=True, ex=max(1, int(ttl))))

    def last(self) -> dict[str, Any] | None:
        found = self.client.get(LAST)
        return json.loads(found) if isinstance(found, bytes) else None

    def push(self, raw: dict[str, Any], sample: dict[str, Any]) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.set(LAST, json.dumps(raw))
        pipe.lpush(SAMPLES, json.dumps(sample))
        pipe.ltrim(SAMPLES, 0, KEEP - 1)
        pipe.execute()

    def read(self, limit: int) -> list[dict[str, Any]]:
        found = self.client.lrange(SAMPLES, 0, limit - 1)
        return [json.loads(item) for item in reversed(found)]


_HISTORIES: dict[str | None, History] = {}


def history_store() -> History:
    """Where samples are kept: beside the metrics (Redis, or this process)."""
    url = metrics.store_url()
    found = _HISTORIES.get(url)
    if found is None:
        found = _HISTORIES[url] = RedisHistory(url) if url else MemoryHistory()
    return found


def sample(interval: float = 60.0, now: float | None = None) -> dict[str, Any] | None:
    """Take this interval's sample, unless another process already has (then None)."""
    at = time.time() if now is None else now
    store = history_store()
    if not store.claim(int(at // interval), interval * 2):
        return None
    raw = {"at": at, "values": metrics.snapshot(), "queues": metrics.queue_depths()}
    found = figures(store.last(), raw)
    store.push(raw, found)
    return found


def try_sample(interval: float = 60.0) -> dict[str, Any] | None:
    """:func:`sample`, or None (and a warning) while the history store cannot be reached."""
    try:
        return sample(interval)
    except Exception as exc:  # noqa: BLE001 (Redis down: this interval has no sample)
        log.warning("monitoring sample failed: %s", type(exc).__name__)
        return None


def history(limit: int = KEEP) -> list[dict[str, Any]]:
    """The samples kept, oldest first ([] while the store cannot be reached)."""
    try:
        return history_store().read(limit)
    except Exception as exc:  # noqa: BLE001 (Redis down: the page says so, shows none)
        log.warning("monitoring history unreachable: %s", type(exc).__name__)
        return []


def figures(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """What happened between two raw samples (rates are None for the first sample)."""
    now: Values = after["values"]
    then: Values | None = before["values"] if before else None
    seconds = after["at"] - before["at"] if before else None
    runs = _histogram_delta(now, then, "vmsdq_run_duration_seconds", ("status",))
    count = sum(p["+Inf"] for p in runs.values()) if runs else 0.0
    total = sum(p["sum"] for p in runs.values()) if runs else 0.0
    hits = _summed(now, then, "vmsdq_cache_requests_total", "result")
    lookups = (hits.get("hit") or 0.0) + (hits.get("miss") or 0.0)
    return {
        "at": after["at"],
        "runs_finished": count if then is not None else None,
        "run_seconds": total / count if count else None,
        "rows_per_second": _gauges(now, "vmsdq_entity_rows_per_second", "entity"),
        "queue_depth": dict(after.get("queues", {})),
        "task_failures": _total(now, then, "vmsdq_task_failures_total"),
        "task_retries": _total(now, then, "vmsdq_task_retries_total"),
        "cache_hit_ratio": (hits.get("hit") or 0.0) / lookups if lookups else None,
        "http": _http(now, then),
        "workers": _workers(now, then, seconds),
    }


def _delta(now: float, then: float | None) -> float:
    if then is None:
        return now
    return now if now < then else now - then  # a reset store counts from zero again


def _total(now: Values, then: Values | None, name: str) -> float | None:
    if then is None:
        return None
    old = then.get(name, {})
    return sum(_delta(v, old.get(k, 0.0)) for k, v in now.get(name, {}).items())


def _summed(now: Values, then: Values | None, name: str, label: str) -> dict[str, float]:
    if then is None:
        return {}
    old = then.get(name, {})
    out: dict[str, float] = {}
    for key, value in now.get(name, {}).items():
        found = metrics.labels_of(key)[label]
        out[found] = out.get(found, 0.0) + _delta(value, old.get(key, 0.0))
    return out


def _gauges(now: Values, name: str, label: str) -> dict[str, float]:
    return {metrics.labels_of(k)[label]: v for k, v in sorted(now.get(name, {}).items())}


def _histogram_delta(
    now: Values, then: Values | None, name: str, labels: tuple[str, ...]
) -> dict[tuple[str, ...], dict[str, float]]:
    if then is None:
        return {}
    current = metrics.histogram_series(now.get(name, {}), labels)
    old = metrics.histogram_series(then.get(name, {}), labels)
    out: dict[tuple[str, ...], dict[str, float]] = {}
    for series, points in current.items():
        before = old.get(series, {})
        moved = {b: _delta(v, before.get(b, 0.0)) for b, v in points.items()}
        if moved.get("+Inf"):
            out[series] = {"+Inf": 0.0, "sum": 0.0, **moved}
    return out


def _http(now: Values, then: Values | None) -> dict[str, dict[str, float]]:
    name = "vmsdq_http_request_duration_seconds"
    out: dict[str, dict[str, float]] = {}
    for (route, method), points in _histogram_delta(now, then, name, ("route", "method")).items():
        count = points["+Inf"]
        out[f"{method} {route}"] = {
            "requests": count,
            "mean_ms": 1000 * points["sum"] / count,
            "p95_ms": 1000 * _quantile(points, 0.95),
        }
    return out


def _quantile(points: dict[str, float], q: float) -> float:
    """The upper bound of the bucket holding quantile ``q`` (the last finite one at most)."""
    bounds = [b for b in metrics.HTTP_BUCKETS if b != float("inf")]
    wanted = q * points["+Inf"]
    for bound in bounds:
        if points.get(repr(bound), 0.0) >= wanted:
            return bound
    return bounds[-1]


def _workers(now: Values, then: Values | None, seconds: float | None) -> dict[str, Any]:
    live = metrics.live_workers(now)
    cpu_now = now.get("vmsdq_worker_cpu_seconds_total", {})
    cpu_then = then.get("vmsdq_worker_cpu_seconds_total", {}) if then else {}
    memory = now.get("vmsdq_worker_memory_bytes", {})
    out: dict[str, Any] = {}
    for key in sorted(live):
        cores = None
        if seconds and key in cpu_then and key in cpu_now:
            cores = max(0.0, cpu_now[key] - cpu_then[key]) / seconds
        out[metrics.labels_of(key)["worker"]] = {"cpu_cores": cores, "memory": memory.get(key)}
    return out


class Sampler(threading.Thread):
    """:func:`sample` every ``interval`` seconds in a daemon thread."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="vmsdq-monitoring", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try_sample(self.interval)
            if self.stopped.wait(self.interval):
                return
