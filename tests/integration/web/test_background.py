"""The web app starts runs through the executor its project's job settings choose: the
thread pool without a broker, the Celery app (kept in ``app.extensions``) with one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from flask import Flask, current_app

from vmsdq.services import metrics
from vmsdq.services.executor import ThreadExecutor
from vmsdq.web import create_app
from vmsdq.web.testing import build_demo, copy_project, session_client

pytestmark = pytest.mark.integration

REDIS = os.environ.get("VMSDQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLEAN_ENV = ("VMSDQ_BROKER_URL", "VMSDQ_RESULT_BACKEND", "VMSDQ_CACHE_URL", "VMSDQ_DATABASE_URL")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("background-demo"))


@pytest.fixture
def project(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    return copy_project(demo, tmp_path / "demo")


def with_broker(project: Path, broker: str, queue: str) -> None:
    with (project / "vmsdq.yaml").open("a") as handle:
        handle.write(f"jobs:\n  broker: {broker}\n  queue: {queue}\n  schedules: {{}}\n")


@pytest.fixture
def broker_app(project: Path, redis_url: str) -> Iterator[tuple[Flask, str]]:
    queue = f"web-{uuid.uuid4().hex[:8]}"
    with_broker(project, redis_url, queue)
    app = create_app({"VMSDQ_PROJECT": str(project), "TESTING": True})
    try:
        yield app, queue
    finally:
        client = redis.Redis.from_url(redis_url)
        client.delete(queue)
        for pattern in ("vmsdq:dispatched:*", "vmsdq:metrics:*"):
            for key in client.scan_iter(match=pattern, count=500):
                client.delete(key)
        metrics.configure(None)


def test_without_a_broker_runs_execute_in_the_thread_pool(project: Path) -> None:
    app = create_app({"VMSDQ_PROJECT": str(project), "TESTING": True})
    state = app.extensions["vmsdq"]
    assert isinstance(state.executor, ThreadExecutor) and "celery" not in app.extensions
    client = session_client(app)
    started = client.post("/api/v1/runs", json={"entities": ["district"]})
    assert started.status_code == 202
    run_id = started.get_json()["run_id"]
    state.executor.wait(run_id, timeout=120)
    assert client.get(f"/api/v1/runs/{run_id}").get_json()["status"] == "completed"


def test_with_a_broker_runs_go_to_the_workers_queue(broker_app: tuple[Flask, str]) -> None:
    app, queue = broker_app
    celery = app.extensions["celery"]
    assert isinstance(celery, Celery) and celery.conf.task_default_queue == queue
    started = session_client(app).post("/api/v1/runs", json={"entities": ["district"]})
    assert started.status_code == 202 and started.get_json()["status"] == "queued"
    client = redis.Redis.from_url(celery.conf.broker_url)
    messages = client.llen(queue)
    assert messages >= 1  # the run's canvas waits for a worker; nothing ran in the web app


def test_a_task_run_by_the_web_apps_celery_sees_the_flask_app(
    broker_app: tuple[Flask, str],
) -> None:
    app, _ = broker_app
    celery: Celery = app.extensions["celery"]
    from vmsdq.jobs.tasks import AppTask

    @celery.task(name=f"test.which-{uuid.uuid4().hex[:6]}", base=AppTask, shared=False)
    def which() -> str:
        return str(current_app.extensions["vmsdq"].served.name)

    assert which.apply().get() == app.extensions["vmsdq"].served.name


def test_metrics_recorded_by_another_process_show_on_this_apps_pages(
    broker_app: tuple[Flask, str], redis_url: str
) -> None:
    app, _ = broker_app
    worker = "far@other-machine"
    script = (
        "from vmsdq.services import metrics\n"
        f"metrics.configure({redis_url!r})\n"
        "metrics.task_finished('vmsdq.validate_entity', 'failed')\n"
        f"metrics.worker_heartbeat({worker!r}, 12.0, 3e8)\n"
        "metrics.entity_validated('volunteer', 2.0, 50000)\n"
    )
    client = app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    text = client.get("/metrics").get_data(as_text=True)
    assert f'vmsdq_worker_memory_bytes{{worker="{worker}"}} 3e+08' in text
    assert 'vmsdq_entity_rows_per_second{entity="volunteer"} 25000.0' in text

    def failures(scraped: str) -> float:
        found = re.search(
            r'vmsdq_task_failures_total\{task="vmsdq.validate_entity"\} (\S+)', scraped
        )
        return float(found[1]) if found else 0.0

    assert failures(text) == failures(before) + 1
    page = client.get("/monitoring").get_data(as_text=True)
    assert worker in page and "shared by every process in Redis" in page
