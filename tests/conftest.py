"""Shared test fixtures: real services, with a skip on a laptop and a failure under CI."""

from __future__ import annotations

import os
import socket

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests keep their own bounded counts for `make test`;
# HYPOTHESIS_PROFILE=nightly runs many more examples of the differential oracle and the like.
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# `make test` is deterministic: the same examples on every machine and every run (a failure
# found once is found again); the nightly profile draws new ones each time.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

SERVICES = {
    "postgresql": ("127.0.0.1", 5432),
    "mariadb": ("127.0.0.1", 3306),
    "redis": ("127.0.0.1", 6379),
    "rabbitmq": ("127.0.0.1", 5672),
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(name: str) -> None:
    """Skip (laptop) or fail (CI=true) when the named service is not listening."""
    host, port = SERVICES[name]
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(f"{message}; start it to run this integration test")


@pytest.fixture
def postgres_url() -> str:
    require_service("postgresql")
    return os.environ.get(
        "VMSDQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


@pytest.fixture
def mariadb_url() -> str:
    require_service("mariadb")
    return os.environ.get("VMSDQ_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


@pytest.fixture
def redis_url() -> str:
    require_service("redis")
    # each xdist worker its own database: metrics and samples recorded into Redis are shared
    # by every process using it, and tests count them
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    return os.environ.get(
        "VMSDQ_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{max(15 - 2 * index, 1)}"
    )
