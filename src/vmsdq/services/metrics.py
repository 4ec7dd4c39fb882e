"""Prometheus metrics of runs, tasks, queues, caches and workers, in one registry.

What a process records (a task failed, an entity was validated, a cache hit) goes to a
store: in this process by default; in Redis once :func:`configure` is given a Redis URL, so
the web process's ``/metrics`` shows what every worker on every machine recorded. Queue depth
comes from probes read at scrape time; worker CPU and memory from the workers' heartbeats.
``REGISTRY`` is what the web front end exposes (``prometheus_client.generate_latest``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

log = logging.getLogger(__name__)

Labels = tuple[tuple[str, str], ...]
Probe = Callable[[], dict[str, float]]  # label value -> gauge value, read at scrape time

RUN_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, float("inf"))
WORKER_STALE = 60.0  # seconds without a heartbeat before a worker is left out
PREFIX = "vmsdq:metrics:"

# name -> (type, help, label names)
METRICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "vmsdq_tasks_total": ("counter", "Tasks finished, by task and outcome.", ("task", "outcome")),
    "vmsdq_task_failures_total": ("counter", "Tasks that failed for good.", ("task",)),
    "vmsdq_task_retries_total": ("counter", "Retries after a transient error.", ("task",)),
    "vmsdq_run_duration_seconds": ("histogram", "Run duration, start to finish.", ("status",)),
    "vmsdq_entity_duration_seconds": ("gauge", "Last validation time of an entity.", ("entity",)),
    "vmsdq_entity_rows_per_second": ("gauge", "Last validation speed of an entity.", ("entity",)),
    "vmsdq_entity_rows_total": ("counter", "Rows validated, by entity.", ("entity",)),
    "vmsdq_cache_requests_total": ("counter", "Cache look-ups, hit or miss.", ("cache", "result")),
    "vmsdq_worker_cpu_seconds_total": ("gauge", "CPU time of a worker.", ("worker",)),
    "vmsdq_worker_memory_bytes": ("gauge", "Resident memory of a worker.", ("worker",)),
    "vmsdq_worker_heartbeat_timestamp": ("gauge", "Last heartbeat of a worker.", ("worker",)),
}


class Store(Protocol):
    def incr(self, name: str, labels: Labels, amount: float = 1.0) -> None: ...
    def set(self, name: str, labels: Labels, value: float) -> None: ...
    def read(self) -> dict[str, dict[str, float]]:
        """name -> field -> value (a field is the labels as JSON, maybe with a suffix)."""
        ...


class MemoryStore:
    def __init__(self) -> None:
        self._values: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def incr(self, name: str, labels: Labels, amount: float = 1.0) -> None:
        with self._lock:
            fields = self._values.setdefault(name, {})
            key = _field(labels)
            fields[key] = fields.get(key, 0.0) + amount

    def set(self, name: str, labels: Labels, value: float) -> None:
        with self._lock:
            self._values.setdefault(name, {})[_field(labels)] = value

    def read(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {k: dict(v) for k, v in self._values.items()}


class RedisStore:
    """Counters in Redis hashes (one per metric): shared by every process and machine."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def incr(self, name: str, labels: Labels, amount: float = 1.0) -> None:
        self._safely(lambda: self.client.hincrbyfloat(PREFIX + name, _field(labels), amount))

    def set(self, name: str, labels: Labels, value: float) -> None:
        self._safely(lambda: self.client.hset(PREFIX + name, _field(labels), value))

    def read(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        pipe = self.client.pipeline(transaction=False)
        for name in METRICS:
            pipe.hgetall(PREFIX + name)
        found = self._safely(pipe.execute) or [{} for _ in METRICS]
        for name, fields in zip(METRICS, found, strict=True):
            out[name] = {k.decode(): float(v) for k, v in fields.items()}
        return out

    def _safely(self, call: Callable[[], Any]) -> Any:
        import redis

        try:
            return call()
        except redis.RedisError as exc:  # metrics never break the work they describe
            log.debug("metrics store unreachable: %s", type(exc).__name__)
            return None


class _State:
    store: Store = MemoryStore()
    url: str | None = None
    probes: dict[str, Probe] = {}
    lock = threading.Lock()


def configure(redis_url: str | None) -> None:
    """Record into Redis at ``redis_url`` (shared), or in this process when None."""
    with _State.lock:
        if redis_url == _State.url:
            return
        _State.store = RedisStore(redis_url) if redis_url else MemoryStore()
        _State.url = redis_url


def add_probe(queue: str, probe: Callable[[], float | None]) -> None:
    """Report ``probe()`` as ``vmsdq_queue_depth{queue=...}`` at every scrape."""

    def read() -> dict[str, float]:
        value = probe()
        return {} if value is None else {queue: float(value)}

    _State.probes[queue] = read


def task_finished(task: str, outcome: str) -> None:
    _State.store.incr("vmsdq_tasks_total", (("task", task), ("outcome", outcome)))
    if outcome == "failed":
        _State.store.incr("vmsdq_task_failures_total", (("task", task),))


def task_retried(task: str) -> None:
    _State.store.incr("vmsdq_task_retries_total", (("task", task),))
    _State.store.incr("vmsdq_tasks_total", (("task", task), ("outcome", "retried")))


def entity_validated(entity: str, seconds: float, rows: int) -> None:
    labels = (("entity", entity),)
    _State.store.set("vmsdq_entity_duration_seconds", labels, seconds)
    _State.store.set("vmsdq_entity_rows_per_second", labels, rows / seconds if seconds else 0.0)
    _State.store.incr("vmsdq_entity_rows_total", labels, rows)


def run_finished(status: str, seconds: float) -> None:
    labels = (("status", status),)
    for bound in RUN_BUCKETS:
        if seconds <= bound:
            _State.store.incr("vmsdq_run_duration_seconds", (*labels, ("le", _le(bound))))
    _State.store.incr("vmsdq_run_duration_seconds", (*labels, ("le", "sum")), seconds)


def cache_used(cache: str, hit: bool) -> None:
    result = "hit" if hit else "miss"
    _State.store.incr("vmsdq_cache_requests_total", (("cache", cache), ("result", result)))


def worker_heartbeat(worker: str, cpu_seconds: float, memory_bytes: float) -> None:
    labels = (("worker", worker),)
    _State.store.set("vmsdq_worker_cpu_seconds_total", labels, cpu_seconds)
    _State.store.set("vmsdq_worker_memory_bytes", labels, memory_bytes)
    _State.store.set("vmsdq_worker_heartbeat_timestamp", labels, time.time())


def snapshot() -> dict[str, dict[str, float]]:
    """Every recorded value: metric name -> labels (as JSON) -> value (tests, the web page)."""
    return _State.store.read()


class _Collector:
    def collect(self) -> Iterator[Metric]:
        values = _State.store.read()
        live = _live_workers(values.get("vmsdq_worker_heartbeat_timestamp", {}))
        for name, (kind, text, labels) in METRICS.items():
            fields = values.get(name, {})
            if name.startswith("vmsdq_worker_"):
                fields = {k: v for k, v in fields.items() if k in live}
            if kind == "histogram":
                yield _histogram(name, text, labels, fields)
            else:
                family = (CounterMetricFamily if kind == "counter" else GaugeMetricFamily)(
                    name.removesuffix("_total") if kind == "counter" else name, text, labels=labels
                )
                for key, value in sorted(fields.items()):
                    family.add_metric(_values(key, labels), value)
                yield family
        yield from _queue_depth()
        hits = values.get("vmsdq_cache_requests_total", {})
        yield _hit_ratio(hits)

    def describe(self) -> Iterable[Metric]:
        return []


def _queue_depth() -> Iterator[Metric]:
    family = GaugeMetricFamily("vmsdq_queue_depth", "Tasks waiting in a queue.", labels=["queue"])
    for probe in list(_State.probes.values()):
        try:
            found = probe()
        except Exception as exc:  # noqa: BLE001 (an unreachable broker is not a scrape error)
            log.debug("queue probe failed: %s", type(exc).__name__)
            continue
        for queue, depth in found.items():
            family.add_metric([queue], depth)
    yield family


def _hit_ratio(requests: dict[str, float]) -> Metric:
    family = GaugeMetricFamily(
        "vmsdq_cache_hit_ratio", "Share of cache look-ups that hit.", labels=["cache"]
    )
    totals: dict[str, list[float]] = {}
    for key, value in requests.items():
        labels = dict(json.loads(key))
        pair = totals.setdefault(labels["cache"], [0.0, 0.0])
        pair[0 if labels["result"] == "hit" else 1] += value
    for cache, (hit, miss) in sorted(totals.items()):
        family.add_metric([cache], hit / (hit + miss) if hit + miss else 0.0)
    return family


def _histogram(name: str, text: str, labels: tuple[str, ...], fields: dict[str, float]) -> Metric:
    family = HistogramMetricFamily(name, text, labels=labels)
    series: dict[tuple[str, ...], dict[str, float]] = {}
    for key, value in fields.items():
        found = dict(json.loads(key))
        series.setdefault(tuple(found[n] for n in labels), {})[found["le"]] = value
    for values, points in sorted(series.items()):
        buckets = [(_le(b), points.get(_le(b), 0.0)) for b in RUN_BUCKETS]
        family.add_metric(list(values), buckets, sum_value=points.get("sum", 0.0))
    return family


def _live_workers(beats: dict[str, float]) -> set[str]:
    now = time.time()
    return {k for k, at in beats.items() if now - at <= WORKER_STALE}


def _field(labels: Labels) -> str:
    return json.dumps(list(labels))


def _values(key: str, names: tuple[str, ...]) -> list[str]:
    found = dict(json.loads(key))
    return [found.get(n, "") for n in names]


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


REGISTRY = CollectorRegistry()
REGISTRY.register(_Collector())
