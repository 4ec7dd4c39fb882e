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
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, float("inf"))
WORKER_STALE = 60.0  # seconds without a heartbeat before a worker is left out
STORE_RETRY = 5.0  # seconds a store that failed is left alone before it is tried again
PREFIX = "vmsdq:metrics:"

# name -> (type, help, label names)
METRICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "vmsdq_tasks_total": ("counter", "Tasks finished, by task and outcome.", ("task", "outcome")),
    "vmsdq_task_failures_total": ("counter", "Tasks that failed for good.", ("task",)),
    "vmsdq_task_retries_total": ("counter", "Retries after a transient error.", ("task",)),
    "vmsdq_run_duration_seconds": ("histogram", "Run duration, start to finish.", ("status",)),
    "vmsdq_http_request_duration_seconds": (
        "histogram",
        "Time to answer an HTTP request, by route (the URL rule, not the path).",
        ("route", "method"),
    ),
    "vmsdq_http_requests_total": (
        "counter",
        "HTTP requests answered, by route and status.",
        ("route", "method", "status"),
    ),
    "vmsdq_entity_duration_seconds": ("gauge", "Last validation time of an entity.", ("entity",)),
    "vmsdq_entity_rows_per_second": ("gauge", "Last validation speed of an entity.", ("entity",)),
    "vmsdq_entity_rows_total": ("counter", "Rows validated, by entity.", ("entity",)),
    "vmsdq_cache_requests_total": ("counter", "Cache look-ups, hit or miss.", ("cache", "result")),
    "vmsdq_worker_cpu_seconds_total": ("gauge", "CPU time of a worker.", ("worker",)),
    "vmsdq_worker_memory_bytes": ("gauge", "Resident memory of a worker.", ("worker",)),
    "vmsdq_worker_heartbeat_timestamp": ("gauge", "Last heartbeat of a worker.", ("worker",)),
}
BUCKETS = {
    "vmsdq_run_duration_seconds": RUN_BUCKETS,
    "vmsdq_http_request_duration_seconds": HTTP_BUCKETS,
}


class Store(Protocol):
    def incr(self, name: str, labels: Labels, amount: float = 1.0) -> None: ...
    def incr_all(self, changes: list[tuple[str, Labels, float]]) -> None:
        """Several increments at once (one round trip to a shared store)."""
        ...

    def set(self, name: str, labels: Labels, value: float) -> None: ...
    def read(self) -> dict[str, dict[str, float]]:
        """name -> field -> value (a field is the labels as JSON, maybe with a suffix)."""
        ...

    @property
    def up(self) -> bool:
        """False while the store cannot be reached (what it records meanwhile is lost)."""
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

    def incr_all(self, changes: list[tuple[str, Labels, float]]) -> None:
        for name, labels, amount in changes:
            self.incr(name, labels, amount)

    def set(self, name: str, labels: Labels, value: float) -> None:
        with self._lock:
            self._values.setdefault(name, {})[_field(labels)] = value

    def read(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {k: dict(v) for k, v in self._values.items()}

    @property
    def up(self) -> bool:
        return True


class RedisStore:
    """Counters in Redis hashes (one per metric): shared by every process and machine.

    Once Redis fails to answer, the store leaves it alone for ``STORE_RETRY`` seconds, so a
    Redis outage costs the requests and tasks being measured one failed call, not one each.
    """

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._down_until = 0.0

    @property
    def up(self) -> bool:
        return time.monotonic() >= self._down_until

    def incr(self, name: str, labels: Labels, amount: float = 1.0) -> None:
        self._safely(lambda: self.client.hincrbyfloat(PREFIX + name, _field(labels), amount))

    def incr_all(self, changes: list[tuple[str, Labels, float]]) -> None:
        def send() -> Any:
            pipe = self.client.pipeline(transaction=False)
            for name, labels, amount in changes:
                pipe.hincrbyfloat(PREFIX + name, _field(labels), amount)
            return pipe.execute()

        self._safely(send)

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

        if not self.up:
            return None
        try:
            return call()
        except redis.RedisError as exc:  # metrics never break the work they describe
            log.debug("metrics store unreachable: %s", type(exc).__name__)
            self._down_until = time.monotonic() + STORE_RETRY
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


def store_url() -> str | None:
    """The Redis URL metrics are recorded into (None: this process only)."""
    return _State.url


def store_up() -> bool:
    return _State.store.up


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
    _State.store.incr_all(_observed("vmsdq_run_duration_seconds", (("status", status),), seconds))


def http_answered(route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request answered: ``route`` is the URL rule (``/entities/<entity>``)."""
    labels = (("route", route), ("method", method))
    changes = _observed("vmsdq_http_request_duration_seconds", labels, seconds)
    changes.append(("vmsdq_http_requests_total", (*labels, ("status", str(status))), 1.0))
    _State.store.incr_all(changes)


def _observed(name: str, labels: Labels, value: float) -> list[tuple[str, Labels, float]]:
    """The increments of one observation of histogram ``name``: its buckets and its sum."""
    changes = [(name, (*labels, ("le", _le(b))), 1.0) for b in BUCKETS[name] if value <= b]
    changes.append((name, (*labels, ("le", "sum")), value))
    return changes


def cache_used(cache: str, hit: bool) -> None:
    result = "hit" if hit else "miss"
    _State.store.incr("vmsdq_cache_requests_total", (("cache", cache), ("result", result)))


def worker_heartbeat(worker: str, cpu_seconds: float, memory_bytes: float) -> None:
    labels = (("worker", worker),)
    _State.store.set("vmsdq_worker_cpu_seconds_total", labels, cpu_seconds)
    _State.store.set("vmsdq_worker_memory_bytes", labels, memory_bytes)
    _State.store.set("vmsdq_worker_heartbeat_timestamp", labels, time.time())


def beat_every(name: str, seconds: float, stop: threading.Event) -> None:
    """Report this process's CPU and memory as worker ``name`` every ``seconds`` until
    ``stop`` is set (a worker's main process; the web process when runs execute in it)."""
    while True:
        try:
            worker_heartbeat(name, *process_usage())
        except Exception as exc:  # noqa: BLE001 (a heartbeat never takes its process down)
            log.debug("heartbeat failed: %s", type(exc).__name__)
        if stop.wait(seconds):
            return


def start_heartbeat(name: str, seconds: float = 10.0) -> threading.Event:
    """:func:`beat_every` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=beat_every, args=(name, seconds, stop), name="vmsdq-heartbeat", daemon=True
    ).start()
    return stop


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
        up = GaugeMetricFamily(
            "vmsdq_metrics_store_up", "1 while the shared metrics store answers, else 0."
        )
        up.add_metric([], 1.0 if _State.store.up else 0.0)
        yield up

    def describe(self) -> Iterable[Metric]:
        return []


def queue_depths() -> dict[str, float]:
    """Tasks waiting, per queue, read from every probe now (an unreachable one is left out)."""
    out: dict[str, float] = {}
    for probe in list(_State.probes.values()):
        try:
            out.update(probe())
        except Exception as exc:  # noqa: BLE001 (an unreachable broker is not a scrape error)
            log.debug("queue probe failed: %s", type(exc).__name__)
    return out


def _queue_depth() -> Iterator[Metric]:
    family = GaugeMetricFamily("vmsdq_queue_depth", "Tasks waiting in a queue.", labels=["queue"])
    for queue, depth in sorted(queue_depths().items()):
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
    for values, points in sorted(histogram_series(fields, labels).items()):
        buckets = [(_le(b), points.get(_le(b), 0.0)) for b in BUCKETS[name]]
        family.add_metric(list(values), buckets, sum_value=points.get("sum", 0.0))
    return family


def histogram_series(
    fields: dict[str, float], labels: tuple[str, ...]
) -> dict[tuple[str, ...], dict[str, float]]:
    """Stored histogram fields grouped by series: label values -> bound (or "sum") -> value."""
    series: dict[tuple[str, ...], dict[str, float]] = {}
    for key, value in fields.items():
        found = dict(json.loads(key))
        series.setdefault(tuple(found[n] for n in labels), {})[found["le"]] = value
    return series


def live_workers(values: dict[str, dict[str, float]]) -> set[str]:
    """Fields (labels as JSON) of the workers that sent a heartbeat lately."""
    return _live_workers(values.get("vmsdq_worker_heartbeat_timestamp", {}))


def labels_of(field: str) -> dict[str, str]:
    """The labels of a stored field."""
    return dict(json.loads(field))


def _live_workers(beats: dict[str, float]) -> set[str]:
    now = time.time()
    return {k for k, at in beats.items() if now - at <= WORKER_STALE}


def _field(labels: Labels) -> str:
    return json.dumps(list(labels))


def _values(key: str, names: tuple[str, ...]) -> list[str]:
    found = dict(json.loads(key))
    return [found.get(n, "") for n in names]


def process_usage(pid: int | None = None) -> tuple[float, float]:
    """(CPU seconds, resident bytes) of a process and its children (a worker's pool)."""
    import psutil

    me = psutil.Process(pid)
    cpu = rss = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss
        except psutil.Error:
            continue
    return cpu, rss


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


REGISTRY = CollectorRegistry()
REGISTRY.register(_Collector())
