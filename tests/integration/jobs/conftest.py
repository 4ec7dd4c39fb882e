"""Real Celery workers and beats (``vmsdq worker`` / ``vmsdq beat`` processes) over the Redis
on 127.0.0.1 (database 14, only the keys of each test's own queue and project) or RabbitMQ."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from jobs_support import CLEAN_ENV, IN_CI, REDIS, Deployment, OwnRedis, forget_redis_keys

from vmsdq.demo import generate_demo
from vmsdq.store import Database


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jobs-demo")
    generate_demo(folder, volunteers=100, seed=9, write_truth=False, salesforce=True)
    return folder


@pytest.fixture
def deployment(
    demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "project"
    shutil.copytree(demo_data, root)
    found = Deployment(root=root, name=f"t{uuid.uuid4().hex[:10]}", broker=REDIS)
    try:
        yield found
    finally:
        found.stop()
        Database.close_all()
        forget_redis_keys(found.broker, found.name)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A private redis-server on a free port, stopped by the test at will and at the end."""
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true: a missing service is a failure, not a skip")
        pytest.skip(message)
    server = OwnRedis(tmp_path / "redis")
    server.folder.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()
