"""The embedded default: a run's canvas in a thread pool of this process, with the same
phases, progress, retries, cancelling and time limit as on workers."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from vmsdq.cli import main
from vmsdq.core.errors import SourceUnavailableError
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.services import metrics, runs
from vmsdq.services.context import open_context
from vmsdq.services.executor import ThreadExecutor, executor_for
from vmsdq.services.jobconfig import RetryPolicy
from vmsdq.services.progress import estimate
from vmsdq.services.sources import RunSources
from vmsdq.store.models import EntityResultRow, RuleResultRow

ENTITIES = ["district", "school", "volunteer", "event"]


def rules_of(run: Any) -> list[tuple[str, int, int, str]]:
    return sorted((r.rule, r.evaluated, r.failed, str(r.outcome)) for r in run.rules)


def stored_rows(project: Path, run_id: str) -> tuple[int, int, int]:
    ctx = open_context(project)
    with ctx.db.session() as s:
        entities = s.scalar(select(func.count()).where(EntityResultRow.run_id == run_id))
        rules = s.scalar(select(func.count()).where(RuleResultRow.run_id == run_id))
        distinct = s.scalar(
            select(func.count(func.distinct(RuleResultRow.rule))).where(
                RuleResultRow.run_id == run_id
            )
        )
    return entities or 0, rules or 0, distinct or 0


def test_a_run_through_the_pool_gives_the_in_process_results(project: Path) -> None:
    ctx = open_context(project)
    executor = executor_for(ctx.project)
    assert isinstance(executor, ThreadExecutor)
    run_id = runs.start_run(ctx, entities=ENTITIES)
    assert executor.submit(lambda: open_context(project), run_id)
    executor.wait(run_id, timeout=120)
    pooled = runs.get_run(ctx, run_id)
    direct = runs.run_now(ctx, entities=ENTITIES)
    assert pooled.status == "completed"
    assert rules_of(pooled) == rules_of(direct)
    assert pooled.overall_score == direct.overall_score
    entities, rules, distinct = stored_rows(project, run_id)
    assert entities == len(ENTITIES) and rules == distinct == len(direct.rules)


def test_progress_is_stored_per_entity_and_overall(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = open_context(project)
    runs.run_now(ctx, entities=ENTITIES)  # a run to time the next one by
    seen: list[tuple[float, int]] = []
    original = DuckDBBackend.validate

    def watched(self: DuckDBBackend, *args: Any, **kwargs: Any) -> Any:
        found = original(self, *args, **kwargs)
        seen.append((estimate(open_context(project), run_id).percent, 0))
        return found

    monkeypatch.setattr(DuckDBBackend, "validate", watched)
    run_id = runs.start_run(ctx, entities=ENTITIES)
    before = estimate(ctx, run_id)
    assert (before.status, before.percent, before.rows_read) == ("queued", 0.0, 0)
    executor = ThreadExecutor(2)
    executor.submit(lambda: open_context(project), run_id)
    executor.wait(run_id, timeout=120)
    executor.shutdown()
    after = estimate(ctx, run_id)
    assert after.status == "completed" and after.percent == 100.0 and after.eta is None
    assert after.rows_read > 0 and after.rows_validated > 0
    validated = [s for s in after.steps if s.kind == "validate"]
    assert [s.name for s in validated] == ENTITIES
    assert all(s.percent == 100.0 and s.rules_done == s.rules_total > 0 for s in validated)
    assert all(s.expected > 0 for s in after.steps)
    assert seen and all(0.0 < p < 100.0 for p, _ in seen)  # live, while it ran


def test_validate_wait_runs_through_the_executor(project: Path) -> None:
    done = CliRunner().invoke(
        main, ["validate", "--wait", "--project", str(project), "--format", "json"]
    )
    payload = json.loads(done.output)
    assert payload["status"] == "completed" and len(payload["entities"]) == 8
    assert done.exit_code == {"passed": 0, "warned": 0, "failed": 1}[payload["verdict"]]
    status = CliRunner().invoke(
        main, ["runs", "status", payload["run_id"], "--project", str(project), "--format", "json"]
    )
    assert json.loads(status.output)["progress"]["percent"] == 100.0


def test_validate_wait_refuses_no_store(project: Path) -> None:
    done = CliRunner().invoke(main, ["validate", "--wait", "--no-store", "--project", str(project)])
    assert done.exit_code == 2 and "--no-store" in done.output


def slow_validation(
    monkeypatch: pytest.MonkeyPatch, entity: str, seconds: float
) -> threading.Event:
    """Make validating ``entity`` take ``seconds`` longer (before its first engine stage)."""
    started = threading.Event()
    original = DuckDBBackend.validate

    def slow(self: DuckDBBackend, entities: Any, *args: Any, **kwargs: Any) -> Any:
        if any(e.name == entity for e in entities):
            started.set()
            time.sleep(seconds)
        return original(self, entities, *args, **kwargs)

    monkeypatch.setattr(DuckDBBackend, "validate", slow)
    return started


def test_cancelling_a_run_stops_its_tasks(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = slow_validation(monkeypatch, "district", 2.0)
    ctx = open_context(project)
    run_id = runs.start_run(ctx, entities=ENTITIES)
    executor = ThreadExecutor(1)  # one task at a time: district first, the rest queued
    executor.submit(lambda: open_context(project), run_id)
    assert started.wait(60)
    runs.cancel_run(ctx, run_id, reason="stopped by a test")
    executor.wait(run_id, timeout=60)
    executor.shutdown()
    found = runs.progress(ctx, run_id)
    assert found[0].status == "cancelled" and found[0].message == "stopped by a test"
    steps = {s.name: s.status for s in found[1] if s.kind == "validate"}
    assert steps["district"] == "cancelled"  # stopped at its next stage
    assert all(steps[e] == "queued" for e in ENTITIES[1:])  # never started
    assert stored_rows(project, run_id)[0] == 0


def test_a_run_past_its_time_limit_is_failed_with_the_reason(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    began = slow_validation(monkeypatch, "school", 4.0)
    ctx = open_context(project)
    run_id = runs.start_run(ctx, entities=["school", "district"])
    executor = ThreadExecutor(2, run_time_limit=1.5)
    executor.submit(lambda: open_context(project), run_id)
    executor.wait(run_id, timeout=60)
    executor.shutdown()
    summary, steps = runs.progress(ctx, run_id)
    assert summary.status == "failed"
    assert summary.message == "run exceeded its time limit of 1.5 s"
    school = next(s for s in steps if s.name == "school" and s.kind == "validate")
    if began.is_set():  # it was validating: stopped at its next stage
        assert school.status == "cancelled" and "failed" in school.message
    else:  # a loaded machine: the reads alone took past the limit; school never starts
        assert school.status == "queued"


def flaky_reads(monkeypatch: pytest.MonkeyPatch, view: str, failures: int) -> list[int]:
    calls: list[int] = []
    original = RunSources.read

    def read(self: RunSources, ref: Any) -> Any:
        if ref.name == view and len(calls) < failures:
            calls.append(1)
            raise SourceUnavailableError(f"{view}: connection refused")
        return original(self, ref)

    monkeypatch.setattr(RunSources, "read", read)
    return calls


def retried(task: str) -> float:
    fields = metrics.snapshot().get("vmsdq_task_retries_total", {})
    return fields.get(json.dumps([["task", task]]), 0.0)


def test_transient_errors_are_retried_with_backoff(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = flaky_reads(monkeypatch, "school", failures=2)
    before = retried("read")
    ctx = open_context(project)
    run_id = runs.start_run(ctx, entities=["school"])
    executor = ThreadExecutor(2, retry=RetryPolicy(retries=3, backoff=0.05))
    executor.submit(lambda: open_context(project), run_id)
    executor.wait(run_id, timeout=60)
    executor.shutdown()
    run = runs.get_run(ctx, run_id)
    step = ctx.repos.steps.get(run_id, "read", "school")
    assert run.status == "completed" and not run.has_errors
    assert len(calls) == 2 and step is not None and step.attempts == 3
    assert retried("read") - before == 2


def test_retries_are_bounded_then_the_view_error_is_recorded(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky_reads(monkeypatch, "school", failures=100)
    ctx = open_context(project)
    run_id = runs.start_run(ctx, entities=["school"])
    executor = ThreadExecutor(2, retry=RetryPolicy(retries=2, backoff=0.05))
    executor.submit(lambda: open_context(project), run_id)
    executor.wait(run_id, timeout=60)
    executor.shutdown()
    run = runs.get_run(ctx, run_id)
    step = ctx.repos.steps.get(run_id, "read", "school")
    assert step is not None and (step.status, step.attempts) == ("failed", 3)
    assert run.status == "completed" and str(run.verdict()) == "incomplete"
    assert "connection refused" in run.entities[0].message
