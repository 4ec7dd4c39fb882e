"""Pieces that share state through Redis: the read cache, metrics of every process, leases,
and the one run a schedule's slot starts however often it fires."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import redis
from jobs_support import Deployment, need

from vmsdq.jobs.app import create_celery
from vmsdq.jobs.locks import RedisLease
from vmsdq.jobs.schedule import start_scheduled
from vmsdq.services import metrics
from vmsdq.services.cache import RedisCache, cached
from vmsdq.services.context import open_context
from vmsdq.services.jobconfig import job_settings


def test_the_redis_cache_is_shared_and_counts_hits_and_misses(deployment: Deployment) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure()
    ctx = open_context(deployment.root)
    first, second = RedisCache(deployment.broker), RedisCache(deployment.broker)  # two processes
    metrics.configure(deployment.broker)
    try:
        before = metrics.snapshot().get("vmsdq_cache_requests_total", {})
        assert cached(ctx, first, f"{deployment.name}-runs", lambda: {"n": 1}) == {"n": 1}
        assert cached(ctx, second, f"{deployment.name}-runs", lambda: {"n": 2}) == {"n": 1}
        after = metrics.snapshot()["vmsdq_cache_requests_total"]
        key = lambda r: json.dumps([["cache", "redis"], ["result", r]])  # noqa: E731
        assert after[key("hit")] - before.get(key("hit"), 0) >= 1
        assert after[key("miss")] - before.get(key("miss"), 0) >= 1
    finally:
        metrics.configure(None)
    unreachable = RedisCache("redis://127.0.0.1:1/0")  # a cache outage is a miss, not an error
    assert cached(ctx, unreachable, "runs", lambda: {"n": 3}) == {"n": 3}


def test_a_lease_has_one_holder_until_it_expires(deployment: Deployment) -> None:
    need("127.0.0.1", 6379, "redis")
    key = f"vmsdq:test-lease:{deployment.name}"
    one, two = RedisLease(deployment.broker, key, 0.5), RedisLease(deployment.broker, key, 0.5)
    assert one.hold() and not two.hold() and one.hold()  # renewing is holding
    assert one.holder() == one.token
    one.release()
    assert two.hold() and not one.hold()
    import time

    time.sleep(0.7)  # the holder died without releasing: the lease runs out
    assert one.hold()


def test_a_schedule_slot_starts_one_run_however_often_it_fires(deployment: Deployment) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure(schedules="{nightly: {cron: '0 2 * * *', entities: [district]}}")
    ctx = open_context(deployment.root)
    app = create_celery(job_settings(ctx.project))
    root = str(deployment.root)
    at = datetime(2026, 3, 4, 2, 0, 7, tzinfo=UTC)
    first = start_scheduled(app, root, "nightly", now=at)
    again = start_scheduled(app, root, "nightly", now=at.replace(second=40))
    later = start_scheduled(app, root, "nightly", now=at.replace(day=5))
    assert first == {"run_id": "20260304T020000-nightly", "schedule": "nightly", "status": "sent"}
    assert again["status"] == "already started" and again["run_id"] == first["run_id"]
    assert later["run_id"] == "20260305T020000-nightly"
    reads = len((ctx.repos.runs.plan(first["run_id"]) or {})["reads"])
    client = redis.Redis.from_url(deployment.broker)
    assert client.llen(deployment.name) == 2 * reads  # the reads of two runs, not three
    assert [r.run_id for r in ctx.repos.runs.page().items] == [
        "20260305T020000-nightly",
        "20260304T020000-nightly",
    ]
