"""Real Celery workers over Redis: two share a run; one killed mid-entity and the run still
completes with exactly one set of results; transient errors retried by Celery."""

from __future__ import annotations

import json
from pathlib import Path

from jobs_support import HOOKS, Deployment, need, outcome, stored_counts, wait_for

from vmsdq.services import runs
from vmsdq.services.context import open_context
from vmsdq.services.executor import executor_for

ENTITIES = ["district", "school", "organization", "volunteer", "event", "teacher"]


def submit(deployment: Deployment, entities: list[str] | None = None) -> str:
    ctx = open_context(deployment.root)
    run_id = runs.start_run(ctx, entities=entities)
    executor = executor_for(ctx.project)
    assert executor.submit(lambda: open_context(deployment.root), run_id)
    return run_id


def finished(deployment: Deployment, run_id: str, timeout: float = 180) -> str:
    ctx = open_context(deployment.root)

    def done() -> bool:
        found = ctx.repos.runs.summary(run_id)
        return found is not None and found.status in ("completed", "failed", "cancelled")

    wait_for(done, timeout, f"run {run_id} to finish")
    summary = ctx.repos.runs.summary(run_id)
    assert summary is not None
    return str(summary.status)


def tasks_done_by(deployment: Deployment, name: str, task: str) -> list[str]:
    """The task names the worker logged as done (its JSON log lines)."""
    found = []
    for line in deployment.log(name).splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("logger") == "celery.app.trace" and task in record.get("message", ""):
            found.append(record["message"])
    return found


def test_two_workers_share_one_run(deployment: Deployment) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure()
    deployment.worker("w1")
    deployment.worker("w2")
    run_id = submit(deployment, ENTITIES)
    assert finished(deployment, run_id) == "completed"
    one = tasks_done_by(deployment, "w1", "vmsdq.validate_entity")
    two = tasks_done_by(deployment, "w2", "vmsdq.validate_entity")
    assert one and two and len(one) + len(two) == len(ENTITIES)
    run = runs.get_run(open_context(deployment.root), run_id)
    entities, rules, distinct = stored_counts(deployment.root, run_id)
    assert (entities, rules, distinct) == (len(ENTITIES), len(run.rules), len(run.rules))
    for name in ("w1", "w2"):  # every task logs a JSON line with its run and task ids
        lines = [json.loads(x) for x in deployment.log(name).splitlines() if x.startswith("{")]
        mine = [r for r in lines if r.get("logger") == "vmsdq.jobs.tasks"]
        assert mine and all(r["run_id"] == run_id and r["task_id"] for r in mine)


def test_a_worker_killed_mid_entity_leaves_one_set_of_results(
    deployment: Deployment, tmp_path: Path
) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure(task_time_limit=8, visibility_timeout=9)
    mark = tmp_path / "inside-volunteer"
    doomed = deployment.worker(
        "doomed", env={"PYTHONPATH": f"{HOOKS}", "VMSDQ_TEST_HOOK": f"block:volunteer:{mark}"}
    )
    run_id = submit(deployment, ENTITIES)
    wait_for(mark.exists, 120, "the doomed worker to be inside validating volunteer")
    deployment.kill(doomed)  # SIGKILL to the worker and its pool: no ack, no goodbye
    ctx = open_context(deployment.root)
    step = ctx.repos.steps.get(run_id, "validate", "volunteer")
    assert step is not None and step.status == "running"
    deployment.worker("survivor")
    assert finished(deployment, run_id) == "completed"

    step = ctx.repos.steps.get(run_id, "validate", "volunteer")
    assert step is not None and step.status == "completed" and step.attempts == 2
    run = runs.get_run(ctx, run_id)
    reference = runs.run_now(ctx, entities=ENTITIES, from_run=run_id)
    assert outcome(run) == outcome(reference)
    assert stored_counts(deployment.root, run_id) == (len(ENTITIES), len(run.rules), len(run.rules))


def test_transient_errors_are_retried_with_backoff_by_celery(
    deployment: Deployment, tmp_path: Path
) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure(retries=3)
    counter = tmp_path / "flaky-count"
    hook = f"flaky:school:{counter}:2"
    deployment.worker("w1", env={"PYTHONPATH": HOOKS, "VMSDQ_TEST_HOOK": hook})
    run_id = submit(deployment, ["school", "district"])
    assert finished(deployment, run_id) == "completed"
    ctx = open_context(deployment.root)
    step = ctx.repos.steps.get(run_id, "read", "school")
    assert step is not None and (step.status, step.attempts) == ("completed", 3)
    assert counter.read_text() == "2"
    assert not runs.get_run(ctx, run_id).has_errors
    retried = [x for x in deployment.log("w1").splitlines() if "retry" in x and "school" in x]
    assert len(retried) >= 2


def test_cancelling_a_run_stops_its_tasks_on_the_workers(
    deployment: Deployment, tmp_path: Path
) -> None:
    need("127.0.0.1", 6379, "redis")
    deployment.configure()
    mark = tmp_path / "inside-district"
    hook = {"PYTHONPATH": HOOKS, "VMSDQ_TEST_HOOK": f"slow:district:{mark}"}
    deployment.worker("w1", env=hook)
    run_id = submit(deployment, ["district", "school", "volunteer"])
    wait_for(mark.exists, 120, "the worker to be validating district")
    ctx = open_context(deployment.root)
    runs.cancel_run(ctx, run_id, reason="cancelled by a test")

    def stopped() -> bool:
        steps = {s.name: s.status for s in ctx.repos.steps.list(run_id, "validate")}
        return steps["district"] == "cancelled"

    wait_for(stopped, 60, "district to stop at its next stage")
    wait_for(lambda: "finish_run: cancelled" in deployment.log("w1"), 60, "the finish to skip")
    summary, steps = runs.progress(ctx, run_id)
    assert (summary.status, summary.message) == ("cancelled", "cancelled by a test")
    validated = {s.name: s.status for s in steps if s.kind == "validate"}
    assert validated == {"district": "cancelled", "school": "queued", "volunteer": "queued"}
    assert stored_counts(deployment.root, run_id) == (0, 0, 0)
