"""Job settings: where runs execute, from vmsdq.yaml under the environment; bad ones refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.services.context import load
from vmsdq.services.jobconfig import RetryPolicy, job_settings, redact

AddJobs = Callable[[Path, str], None]


def test_without_a_broker_runs_execute_in_process(project: Path) -> None:
    settings = job_settings(load(project))
    assert settings.embedded and settings.result_backend is None and settings.cache is None
    assert settings.visibility_timeout == settings.task_time_limit + 60
    assert set(settings.schedules) == {"reconcile", "full", "retention"}
    assert settings.schedules["reconcile"].every == "1h"
    assert settings.schedules["full"].cron == "0 2 * * *"
    assert settings.schedules["retention"].keep_days == 90


def test_a_redis_broker_is_also_the_result_backend_and_the_cache(
    project: Path, add_jobs: AddJobs
) -> None:
    add_jobs(project, "broker: redis://127.0.0.1:6379/3\ntask_time_limit: 100")
    settings = job_settings(load(project))
    assert settings.broker == settings.result_backend == settings.cache == settings.redis
    assert settings.visibility_timeout == 160


def test_rabbitmq_keeps_results_in_the_results_database(project: Path, add_jobs: AddJobs) -> None:
    add_jobs(project, "broker: amqp://guest:guest@127.0.0.1:5672//")
    settings = job_settings(load(project))
    assert settings.result_backend is not None
    assert settings.result_backend.startswith("db+sqlite:///")
    assert settings.cache is None and settings.redis is None


def test_the_environment_wins_and_none_forces_in_process(
    project: Path, monkeypatch: pytest.MonkeyPatch, add_jobs: AddJobs
) -> None:
    add_jobs(project, "broker: redis://127.0.0.1:6379/3")
    monkeypatch.setenv("VMSDQ_BROKER_URL", "amqp://u:p@rabbit:5672//")
    assert job_settings(load(project)).broker == "amqp://u:p@rabbit:5672//"
    monkeypatch.setenv("VMSDQ_BROKER_URL", "none")
    assert job_settings(load(project)).embedded


def test_unusable_settings_are_config_errors(
    project: Path, monkeypatch: pytest.MonkeyPatch, add_jobs: AddJobs
) -> None:
    monkeypatch.setenv("VMSDQ_BROKER_URL", "sqs://key:very-secret@aws")
    with pytest.raises(ConfigError, match="not a broker") as raised:
        job_settings(load(project))
    assert "very-secret" not in str(raised.value)
    monkeypatch.delenv("VMSDQ_BROKER_URL")
    add_jobs(project, "task_time_limit: 100\nvisibility_timeout: 50")
    with pytest.raises(ConfigError, match="delivered twice"):
        job_settings(load(project))


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("schedules: {x: {every: 1h, cron: '0 * * * *'}}", "exactly one of"),
        ("schedules: {x: {every: soon}}", "every"),
        ("schedules: {x: {cron: '0 2 *'}}", "cron"),
        ("brokr: redis://x", "brokr"),
    ],
)
def test_bad_jobs_sections_name_the_file_and_line(
    project: Path, schedule: str, expected: str, add_jobs: AddJobs
) -> None:
    add_jobs(project, schedule)
    with pytest.raises((ConfigError, ConfigErrors)) as raised:
        load(project)
    assert "vmsdq.yaml:" in str(raised.value) and expected in str(raised.value)


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(retries=5, backoff=2.0, backoff_max=10.0)
    assert [policy.delay(i) for i in range(5)] == [2.0, 4.0, 8.0, 10.0, 10.0]


def test_passwords_in_urls_are_redacted() -> None:
    text = "broker redis://:s3cret@host:6379/0 and amqp://guest:guest@h//"
    assert redact(text) == "broker redis://:***@host:6379/0 and amqp://guest:***@h//"


def test_worker_and_beat_need_a_broker(project: Path) -> None:
    from click.testing import CliRunner

    from vmsdq.cli import main

    for command in ("worker", "beat"):
        done = CliRunner().invoke(main, [command, "--project", str(project)])
        assert done.exit_code == 2 and "no broker is configured" in done.output
