"""The read cache (versioned keys, hit and miss counters), the metrics registry, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from vmsdq.core.errors import PermissionDeniedError
from vmsdq.services import metrics, runs, settings
from vmsdq.services.cache import MemoryCache, cached, key_for
from vmsdq.services.context import Actor, open_context
from vmsdq.services.logs import JsonFormatter, bound, scrub


def samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(metrics.REGISTRY).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def requests(cache: str, result: str) -> float:
    return samples().get(
        ("vmsdq_cache_requests_total", (("cache", cache), ("result", result))), 0.0
    )


def test_memory_cache_drops_the_least_recently_used_and_the_expired() -> None:
    cache = MemoryCache(max_entries=2)
    cache.set("a", b"1")
    cache.set("b", b"2")
    assert cache.get("a") == b"1"
    cache.set("c", b"3")  # b was used least recently
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")
    cache.set("d", b"4", ttl=0.01)
    time.sleep(0.02)
    assert cache.get("d") is None


def test_reads_are_cached_until_a_new_run_or_a_settings_change(project: Path) -> None:
    ctx = open_context(project)
    cache = MemoryCache()
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"runs": len(runs.list_runs(ctx).items)}

    hits, misses = requests("memory", "hit"), requests("memory", "miss")
    assert cached(ctx, cache, "runs", compute) == {"runs": 0}
    assert cached(ctx, cache, "runs", compute) == {"runs": 0}
    assert len(calls) == 1
    assert (requests("memory", "hit") - hits, requests("memory", "miss") - misses) == (1, 1)

    key = key_for(ctx, "runs")
    runs.run_now(ctx, entities=["district"])  # a new run: a new key, fresh at once
    assert key_for(ctx, "runs") != key
    assert cached(ctx, cache, "runs", compute) == {"runs": 1} and len(calls) == 2

    key = key_for(ctx, "runs")
    settings.update(ctx, "target", "90")
    assert key_for(ctx, "runs") != key
    assert key_for(ctx, "runs", {"limit": 5}) != key_for(ctx, "runs", {"limit": 6})
    samples_now = samples()
    ratio = samples_now[("vmsdq_cache_hit_ratio", (("cache", "memory"),))]
    assert 0 < ratio < 1


def test_a_hit_still_checks_the_permission(project: Path) -> None:
    ctx = open_context(project)
    cache = MemoryCache()
    cached(ctx, cache, "failures", lambda: ["row"], permission="read_rows")
    viewer = open_context(project, actor=Actor("v", "viewer"))
    with pytest.raises(PermissionDeniedError):
        cached(viewer, cache, "failures", lambda: ["row"], permission="read_rows")


def test_the_registry_exposes_runs_entities_tasks_and_workers() -> None:
    bucket = "vmsdq_run_duration_seconds_bucket"
    done = ("status", "completed")
    before = samples()
    metrics.entity_validated("volunteer", 2.0, 10_000)
    metrics.run_finished("completed", 42.0)
    metrics.task_finished("vmsdq.validate_entity", "failed")
    metrics.task_retried("vmsdq.read_view")
    metrics.worker_heartbeat("w1@host", cpu_seconds=3.5, memory_bytes=1e8)
    metrics.add_probe("unit-queue", lambda: 7)
    found = samples()

    def grew(name: str, *labels: tuple[str, str]) -> float:
        key = (name, tuple(sorted(labels)))
        return found.get(key, 0.0) - before.get(key, 0.0)

    assert found[("vmsdq_entity_rows_per_second", (("entity", "volunteer"),))] == 5000.0
    assert found[("vmsdq_entity_duration_seconds", (("entity", "volunteer"),))] == 2.0
    assert grew(bucket, ("le", "60.0"), done) == 1 and grew(bucket, ("le", "15.0"), done) == 0
    assert grew("vmsdq_run_duration_seconds_sum", done) == 42.0
    assert grew("vmsdq_task_failures_total", ("task", "vmsdq.validate_entity")) == 1
    assert grew("vmsdq_task_retries_total", ("task", "vmsdq.read_view")) == 1
    assert found[("vmsdq_worker_memory_bytes", (("worker", "w1@host"),))] == 1e8
    assert found[("vmsdq_queue_depth", (("queue", "unit-queue"),))] == 7.0


def test_log_lines_are_json_with_the_ids_in_force_and_no_secrets() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("vmsdq.test.jobs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with bound(run_id="r1", task_id="t1"):
            logger.warning(
                "broker redis://:hunter2@h:6379/0 down; password=hunter2",
                extra={"token": "hunter2", "entity": "volunteer"},
            )
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["run_id"], first["task_id"], first["entity"]) == ("r1", "t1", "volunteer")
    assert "hunter2" not in json.dumps(first) and first["token"] == "***"
    assert "run_id" not in second
    assert scrub("api_key: abc123 x") == "api_key: *** x"
