"""Deliveries as Celery tasks on a real worker (in this process) over Redis: a receiver that
fails twice gets the third attempt, each retry scheduled by the task at the delivery's
next attempt time."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmsdq.services import deliveries, webhooks
from vmsdq.services.context import open_context
from vmsdq.store import Database

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "alerts"))
from receiver import receiver  # noqa: E402

ENTITY = """\
entity: volunteer
key: id
fields:
  id: {required: true}
"""


@pytest.fixture
def project(tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("VMSDQ_BROKER_URL", "VMSDQ_RESULT_BACKEND", "VMSDQ_CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "project"
    (root / "entities").mkdir(parents=True)
    (root / "entities" / "volunteer.yaml").write_text(ENTITY)
    queue = f"alerts-{uuid.uuid4().hex[:8]}"
    (root / "vmsdq.yaml").write_text(
        "sources: {data: {type: files, path: data}}\ndefault_source: data\n"
        f"jobs: {{broker: '{redis_url}', queue: {queue}}}\n"
        "webhooks: {allowed_hosts: [127.0.0.1], allowed_networks: [127.0.0.1/32], "
        "retry_backoff: 1s}\n"
    )
    yield root
    Database.close_all()


def test_a_celery_worker_retries_a_failing_receiver_until_the_third_attempt(
    project: Path,
) -> None:
    from celery.contrib.testing.worker import start_worker

    ctx = open_context(project)
    dispatcher = deliveries.dispatcher_for(ctx)
    assert dispatcher is not None and type(dispatcher).__name__ == "CeleryDispatcher"
    with receiver(fail_first=2) as hook:
        sub = webhooks.subscribe(ctx, f"{hook.url}/in", ["run.completed"])
        queued = deliveries.enqueue(ctx, "subscription", sub.id, "run.completed", {"x": 1})
        app = dispatcher.app  # type: ignore[attr-defined]
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            deliveries.dispatch(ctx, [queued])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                found = ctx.repos.webhooks.delivery(queued.id)
                if found is not None and found.status != "pending":
                    break
                time.sleep(0.2)
    assert found is not None and (found.status, found.attempts) == ("delivered", 3)
    assert [a.status_code for a in ctx.repos.webhooks.attempts(queued.id)] == [500, 500, 200]
    assert len(hook.received) == 3
