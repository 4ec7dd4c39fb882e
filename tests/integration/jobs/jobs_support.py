"""Helpers of the job integration tests: a deployment (project, its queue, its processes)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from vmsdq.services.context import open_context
from vmsdq.store.models import EntityResultRow, RuleResultRow

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REDIS = os.environ.get("VMSDQ_TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/14")
RABBIT = os.environ.get("VMSDQ_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
VMSDQ = str(Path(sys.executable).parent / "vmsdq")
HOOKS = str(Path(__file__).parent / "hooks")
CLEAN_ENV = ("VMSDQ_BROKER_URL", "VMSDQ_RESULT_BACKEND", "VMSDQ_CACHE_URL", "VMSDQ_DATABASE_URL")


def need(host: str, port: int, name: str) -> None:
    """Skip on a laptop without the service; fail under CI=true."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError:
        message = f"{name} is not reachable on {host}:{port}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: a missing service is a failure, not a skip)")
        pytest.skip(f"{message}; start it to run this integration test")


@dataclass
class Deployment:
    """One test's project with its own queue and name, and the processes started for it."""

    root: Path
    name: str
    broker: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: dict[str, Path] = field(default_factory=dict)

    def configure(self, **jobs: Any) -> None:
        text = (self.root / "vmsdq.yaml").read_text().replace("name: vms", f"name: {self.name}")
        settings = {
            "broker": self.broker,
            "queue": self.name,
            "task_time_limit": 20,
            "visibility_timeout": 22,
            "maintenance_interval": 1,
            "retries": 2,
            "retry_backoff": 0.2,
            "schedules": "{}",
            **jobs,
        }
        lines = "".join(f"  {k}: {v}\n" for k, v in settings.items())
        (self.root / "vmsdq.yaml").write_text(f"{text}jobs:\n{lines}")

    def start(
        self, command: str, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        environ = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
        environ |= env or {}
        argv = [VMSDQ, command, "--project", str(self.root), *args]
        if command == "worker":
            argv += ["-n", f"{name}@{self.name}"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env=environ, start_new_session=True
            )
        self.processes.append(proc)
        self.logs[name] = log
        return proc

    def worker(
        self, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        proc = self.start("worker", name, "-c", "1", *args, env=env)
        wait_for(lambda: "worker ready for project" in self.log(name), 90, f"worker {name} ready")
        return proc

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Signal the process and every process of its group (a worker and its pool)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill(proc)
        self.processes.clear()


def forget_redis_keys(url: str, name: str) -> None:
    """Remove this test's keys (its queue, leases, markers, metrics) from the test database."""
    if not url.startswith("redis"):
        return
    import redis

    client = redis.Redis.from_url(url)
    try:
        for pattern in (name, f"*:{name}:*", f"*{name}*"):
            for key in client.scan_iter(match=pattern, count=500):
                client.delete(key)
    except redis.RedisError:
        pass
    finally:
        client.close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stored_counts(root: Path, run_id: str) -> tuple[int, int, int]:
    """(entity rows, rule rows, distinct rules) stored for the run: a second set would show."""
    ctx = open_context(root)
    r = RuleResultRow
    with ctx.db.session() as s:
        entities = s.scalar(select(func.count()).where(EntityResultRow.run_id == run_id)) or 0
        rules = s.scalar(select(func.count()).where(r.run_id == run_id)) or 0
        distinct = s.scalar(select(func.count(func.distinct(r.rule))).where(r.run_id == run_id))
    return entities, rules, distinct or 0


def outcome(run: Any) -> list[tuple[str, int, int, str]]:
    return sorted((r.rule, r.evaluated, r.failed, str(r.outcome)) for r in run.rules)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A redis-server of this test alone (no persistence), to stop and start at will (the
    shared one on 6379 is never stopped)."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        binary = shutil.which("redis-server")
        assert binary is not None
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(self.folder)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), 20, "our redis-server")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.proc = None


def _pings(client: Any) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
