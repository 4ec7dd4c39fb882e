"""Background runs on Celery workers: throughput of concurrent runs, queueing overhead per task.

1. Eight (``--runs``) full validations of the demo at ``--volunteers`` submitted at once to
   one worker process, then to two (``vmsdq worker -c 1`` each): wall time until all are done.
2. Queueing overhead: ``--pings`` tasks sent one after the other to an idle worker; the time
   from sending to the task starting (one way) and the full round trip through the result
   backend. Also, for one run on an idle worker, its wall time minus the time its steps
   spent working, per task: what the canvas (groups, chord) costs.

Needs the Redis on 127.0.0.1:6379 (database 14, this benchmark's own queue).
    .venv/bin/python bench/jobs.py --volunteers 100000
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REDIS = os.environ.get("VMSDQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
VMSDQ = str(Path(sys.executable).parent / "vmsdq")


def prepare(folder: Path, volunteers: int, queue: str) -> Path:
    from vmsdq.demo import generate_demo

    project = folder / f"demo-{volunteers}"
    if not (project / "vmsdq.yaml").exists():
        started = time.perf_counter()
        generate_demo(project, volunteers=volunteers, seed=42, write_truth=False, salesforce=True)
        print(f"generated {volunteers:,} volunteers in {time.perf_counter() - started:.1f} s")
    shutil.rmtree(project / ".vmsdq", ignore_errors=True)
    text = (project / "vmsdq.yaml").read_text().split("\njobs:\n")[0].rstrip("\n")
    jobs = (
        f"\njobs:\n  broker: {REDIS}\n  queue: {queue}\n  task_time_limit: 900\n  schedules: {{}}\n"
    )
    (project / "vmsdq.yaml").write_text(text + "\n" + jobs)
    return project


def start_workers(project: Path, count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(count):
        log = logs / f"worker{i}.log"
        argv = [VMSDQ, "worker", "--project", str(project), "-c", "1", "-n", f"bench{i}@%h"]
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            )
    for i in range(count):
        log = logs / f"worker{i}.log"
        deadline = time.monotonic() + 120
        while "worker ready for project" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise SystemExit(f"worker {i} did not start: see {log}")
            time.sleep(0.2)
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=120)


def concurrent_runs(project: Path, runs: int) -> tuple[float, list[str]]:
    from vmsdq.services import runs as run_service
    from vmsdq.services.context import open_context
    from vmsdq.services.executor import executor_for

    ctx = open_context(project)
    executor = executor_for(ctx.project)
    started = time.perf_counter()
    ids = [run_service.start_run(ctx) for _ in range(runs)]
    for run_id in ids:
        executor.submit(lambda: open_context(project), run_id)
    for run_id in ids:
        executor.wait(run_id, timeout=3600)
    elapsed = time.perf_counter() - started
    statuses = [str(ctx.repos.runs.summary(r).status) for r in ids]  # type: ignore[union-attr]
    return elapsed, statuses


def canvas_overhead(project: Path) -> dict[str, float]:
    """Where one run's wall time goes on an idle worker (``-c 1``: one task at a time).

    ``gap`` is the per-task queueing overhead: from one step's work ending to the next
    step's work starting (result stored, chord counted, next message delivered, the next
    task's context and checks). ``finish`` is the last step's end to the run completed (the
    finish task's hop plus its scoring). ``old`` is the figure earlier versions printed:
    wall minus step work, per task (it also counts planning, the finish and polling).
    """
    from vmsdq.services import runs as run_service
    from vmsdq.services.context import open_context
    from vmsdq.services.executor import executor_for

    ctx = open_context(project)
    executor = executor_for(ctx.project)
    started = time.perf_counter()
    run_id = run_service.start_run(ctx)
    planned = time.perf_counter()
    executor.submit(lambda: open_context(project), run_id)
    executor.wait(run_id, timeout=3600)
    wall = time.perf_counter() - started
    summary = ctx.repos.runs.summary(run_id)
    assert summary is not None and summary.finished_at is not None, run_id
    steps = sorted(
        (s for s in ctx.repos.steps.list(run_id) if s.started_at and s.finished_at),
        key=lambda s: s.started_at,  # type: ignore[arg-type, return-value]
    )
    worked = sum((s.finished_at - s.started_at).total_seconds() for s in steps)  # type: ignore[operator]
    gaps = [
        (b.started_at - a.finished_at).total_seconds()  # type: ignore[operator]
        for a, b in zip(steps, steps[1:], strict=False)
    ]
    return {
        "wall": wall,
        "plan": planned - started,
        "worked": worked,
        "tasks": len(steps) + 1,
        "gap": statistics.median(gaps),
        "gap_mean": statistics.fmean(gaps),
        "gap_p95": statistics.quantiles(gaps, n=20)[18],
        "finish": (summary.finished_at - steps[-1].finished_at).total_seconds(),  # type: ignore[operator]
        "old": (wall - worked) / (len(steps) + 1),
    }


def pings(project: Path, count: int) -> tuple[list[float], list[float]]:
    """One-way (sent -> started) and round-trip times of ``count`` ping tasks, in ms."""
    from vmsdq.services.context import load
    from vmsdq.services.executor import executor_for

    app = executor_for(load(project)).app  # type: ignore[attr-defined]
    queue = app.conf.task_default_queue
    one_way, round_trip = [], []
    for _ in range(count + 5):
        sent = time.time()
        answer = app.send_task("vmsdq.ping", queue=queue).get(timeout=30)
        back = time.time()
        one_way.append((answer["at"] - sent) * 1000)
        round_trip.append((back - sent) * 1000)
    return one_way[5:], round_trip[5:]  # the first few warm the connections up


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--volunteers", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--pings", type=int, default=200)
    p.add_argument("--workers", default="1,2", help="worker process counts to compare")
    p.add_argument("--dir", type=Path, default=Path("/tmp/vmsdq-bench-jobs"))
    args = p.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    project = prepare(args.dir, args.volunteers, queue)
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| worker processes | runs | wall time | per run | all completed |")
    print("|---|---|---|---|---|")
    for count in (int(x) for x in args.workers.split(",")):
        procs = start_workers(project, count, args.dir)
        try:
            elapsed, statuses = concurrent_runs(project, args.runs)
        finally:
            stop_workers(procs)
        done = all(s == "completed" for s in statuses)
        print(f"| {count} | {args.runs} | {elapsed:.1f} s | {elapsed / args.runs:.1f} s | {done} |")
    procs = start_workers(project, 1, args.dir)
    try:
        one_way, round_trip = pings(project, args.pings)
        canvas_overhead(project)  # warm: the worker's first run loads the project and DuckDB
        run = canvas_overhead(project)
    finally:
        stop_workers(procs)
    q = statistics.quantiles
    print(
        f"\nping x{args.pings}: sent->started median {statistics.median(one_way):.1f} ms, "
        f"p95 {q(one_way, n=20)[18]:.1f} ms; round trip median "
        f"{statistics.median(round_trip):.1f} ms, p95 {q(round_trip, n=20)[18]:.1f} ms"
    )
    print(
        f"one run on an idle worker: {run['wall']:.2f} s wall ({run['plan']:.2f} s planning), "
        f"{run['worked']:.2f} s in its steps, {run['tasks']:.0f} tasks; between one step's "
        f"work and the next: median {run['gap'] * 1000:.0f} ms, mean "
        f"{run['gap_mean'] * 1000:.0f} ms, p95 {run['gap_p95'] * 1000:.0f} ms; last step to "
        f"completed (finish task, scoring): {run['finish'] * 1000:.0f} ms; wall minus work "
        f"per task (the earlier figure): {run['old'] * 1000:.0f} ms"
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
