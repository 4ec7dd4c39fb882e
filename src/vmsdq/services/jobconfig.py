"""Where runs execute, resolved once: ``jobs:`` of ``vmsdq.yaml`` under environment overrides.

| setting | environment | default |
|---|---|---|
| broker | ``VMSDQ_BROKER_URL`` | none: runs execute in threads of the calling process |
| result backend | ``VMSDQ_RESULT_BACKEND`` | a Redis broker itself, else the results database |
| cache | ``VMSDQ_CACHE_URL`` | a Redis broker, else in-process |

``VMSDQ_BROKER_URL=none`` forces the in-process default whatever ``vmsdq.yaml`` says.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from vmsdq.core.errors import ConfigError
from vmsdq.services.context import store_url
from vmsdq.spec.models import Project, ScheduleSpec

ENV_BROKER, ENV_BACKEND, ENV_CACHE = "VMSDQ_BROKER_URL", "VMSDQ_RESULT_BACKEND", "VMSDQ_CACHE_URL"
NONE = ("", "none", "off")
SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")
VISIBILITY_MARGIN = 60  # seconds a broker waits past the longest task before redelivering


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff, for transient errors only."""

    retries: int = 3
    backoff: float = 2.0
    backoff_max: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return float(min(self.backoff_max, self.backoff * (2**attempt)))


@dataclass(frozen=True)
class JobSettings:
    project_root: str
    scope: tuple[str, str]  # (tenant, project name): keys of locks and markers
    broker: str | None
    result_backend: str | None
    cache: str | None
    queue: str
    threads: int
    task_time_limit: int
    visibility_timeout: int
    run_time_limit: int
    retry: RetryPolicy
    maintenance_interval: float
    schedules: dict[str, ScheduleSpec] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: runs execute in this process."""
        return self.broker is None

    @property
    def redis(self) -> str | None:
        """A Redis URL the deployment has (the cache's, else the broker's), for locks."""
        for url in (self.cache, self.broker):
            if url and url.split(":", 1)[0] in ("redis", "rediss"):
                return url
        return None


def job_settings(project: Project) -> JobSettings:
    """The project's job settings; ConfigError for a broker vmsdq cannot use."""
    spec = project.spec.jobs
    broker = _chosen(os.environ.get(ENV_BROKER), spec.broker)
    if broker is not None and broker.split(":", 1)[0] not in SCHEMES:
        raise ConfigError(
            f"jobs.broker '{redact(broker)}' is not a broker vmsdq supports: use a URL starting "
            f"with one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    visibility = spec.visibility_timeout or spec.task_time_limit + VISIBILITY_MARGIN
    if visibility < spec.task_time_limit:
        raise ConfigError(
            f"jobs.visibility_timeout ({visibility} s) is shorter than jobs.task_time_limit "
            f"({spec.task_time_limit} s): a long task would be delivered twice"
        )
    return JobSettings(
        project_root=str(Path(project.root).resolve()),
        scope=(project.spec.tenant, project.spec.name),
        broker=broker,
        result_backend=_backend(
            broker, _chosen(os.environ.get(ENV_BACKEND), spec.result_backend), project
        ),
        cache=_cache(broker, _chosen(os.environ.get(ENV_CACHE), spec.cache)),
        queue=spec.queue,
        threads=spec.threads,
        task_time_limit=spec.task_time_limit,
        visibility_timeout=visibility,
        run_time_limit=spec.run_time_limit,
        retry=RetryPolicy(spec.retries, spec.retry_backoff, spec.retry_backoff_max),
        maintenance_interval=spec.maintenance_interval,
        schedules=dict(spec.schedules),
    )


def _chosen(env: str | None, configured: str | None) -> str | None:
    value = env if env is not None else configured
    if value is None or value.strip().lower() in NONE:
        return None
    return value.strip()


def _backend(broker: str | None, configured: str | None, project: Project) -> str | None:
    if broker is None:
        return None
    if configured is not None:
        return configured
    if broker.startswith(("redis", "rediss")):
        return broker
    return "db+" + store_url(project)  # chords need a shared backend; the store is one


def _cache(broker: str | None, configured: str | None) -> str | None:
    if configured is not None:
        return configured
    if broker is not None and broker.startswith(("redis", "rediss")):
        return broker
    return None


_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@\s]*@", re.I)


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
