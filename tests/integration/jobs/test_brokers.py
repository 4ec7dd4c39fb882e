"""The same run through RabbitMQ; Redis stopped and started again (our own redis-server on
another port); two beat processes that never both schedule."""

from __future__ import annotations

import json
import time

import redis
from jobs_support import RABBIT, Deployment, OwnRedis, need, stored_counts, wait_for

from vmsdq.services import runs
from vmsdq.services.context import open_context
from vmsdq.services.executor import executor_for


def run_through(deployment: Deployment, entities: list[str]) -> tuple[str, bool]:
    ctx = open_context(deployment.root)
    run_id = runs.start_run(ctx, entities=entities)
    sent = executor_for(ctx.project).submit(lambda: open_context(deployment.root), run_id)
    return run_id, sent


def status_of(deployment: Deployment, run_id: str) -> str:
    found = open_context(deployment.root).repos.runs.summary(run_id)
    return str(found.status) if found else "missing"


def test_a_run_through_rabbitmq(deployment: Deployment) -> None:
    need("127.0.0.1", 5672, "rabbitmq")
    deployment.broker = RABBIT
    deployment.configure()  # results of the chord in the results database (db+sqlite)
    deployment.worker("rabbit")
    try:
        run_id, sent = run_through(deployment, ["district", "school", "volunteer"])
        assert sent
        wait_for(lambda: status_of(deployment, run_id) == "completed", 180, "the run")
        run = runs.get_run(open_context(deployment.root), run_id)
        assert stored_counts(deployment.root, run_id) == (3, len(run.rules), len(run.rules))
        assert "amqp://guest:**@127.0.0.1:5672//" in deployment.log("rabbit")
    finally:
        deployment.stop()
        _delete_queue(deployment.name)


def _delete_queue(name: str) -> None:
    from kombu import Connection

    with Connection(RABBIT, connect_timeout=3) as conn:
        conn.default_channel.queue_delete(name)


def test_runs_queue_again_when_redis_returns(own_redis: OwnRedis, deployment: Deployment) -> None:
    deployment.broker = own_redis.url
    deployment.configure()
    deployment.worker("w1")
    own_redis.stop()
    run_id, sent = run_through(deployment, ["district", "school"])
    assert not sent  # the broker is down: recorded, not lost
    time.sleep(2)
    assert status_of(deployment, run_id) == "queued"
    own_redis.start()  # empty: what was queued before is gone too
    wait_for(lambda: status_of(deployment, run_id) == "completed", 120, "the run, sent again")
    run = runs.get_run(open_context(deployment.root), run_id)
    assert stored_counts(deployment.root, run_id) == (2, len(run.rules), len(run.rules))
    assert f"run {run_id} sent again" in deployment.log("w1")


def test_two_beats_never_both_schedule(deployment: Deployment) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure(schedules="{tick: {every: 1s, entities: [district]}}")
    lease = {"VMSDQ_BEAT_LEASE_SECONDS": "2"}
    first = deployment.start("beat", "beat1", env=lease)
    wait_for(lambda: "holding the beat lease" in deployment.log("beat1"), 60, "beat1 to lead")
    deployment.start("beat", "beat2", env=lease)
    wait_for(lambda: "beat: Starting" in deployment.log("beat2"), 60, "beat2 to start")
    client = redis.Redis.from_url(deployment.broker)
    start = client.llen(deployment.name)
    time.sleep(6)
    sent = client.llen(deployment.name) - start
    assert 3 <= sent <= 8, sent  # one beat: about one a second; two would send about 12
    assert "holding the beat lease" not in deployment.log("beat2")

    deployment.kill(first)  # the leader dies; the standby takes over within the lease
    wait_for(lambda: "holding the beat lease" in deployment.log("beat2"), 30, "beat2 to lead")
    before = client.llen(deployment.name)
    time.sleep(3)
    assert client.llen(deployment.name) > before
    message = json.loads(client.lindex(deployment.name, 0) or b"{}")
    assert message["headers"]["task"] == "vmsdq.scheduled_run"
