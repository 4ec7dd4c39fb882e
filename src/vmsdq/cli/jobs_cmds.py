"""``vmsdq worker``, ``vmsdq beat`` (Celery processes) and ``vmsdq gc`` (retention)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vmsdq.cli import main
from vmsdq.cli.errors import USAGE, fail, handled
from vmsdq.cli.options import PROJECT, context

if TYPE_CHECKING:
    from rich.console import Console

    from vmsdq.core.results import RunResult
    from vmsdq.services.context import Context
    from vmsdq.services.jobconfig import JobSettings
    from vmsdq.services.progress import RunProgress

CELERY_APP = "vmsdq.jobs.worker"  # the app module; started by name, never imported here
POOLS = click.Choice(["prefork", "threads", "solo"])


@main.command()
@PROJECT
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core).",
)
@click.option("--pool", type=POOLS, default="prefork", show_default=True)
@click.option("--hostname", "-n", default=None, help="Worker name (default: celery@<host>).")
@click.option("--loglevel", "-l", default="info", show_default=True)
def worker(
    project_dir: Path, concurrency: int | None, pool: str, hostname: str | None, loglevel: str
) -> None:
    """Start a Celery worker for the project's runs (needs jobs.broker or VMSDQ_BROKER_URL)."""
    settings = _settings(project_dir)
    argv = ["worker", "-Q", settings.queue, "-P", pool, "-l", loglevel]
    argv += ["--without-mingle", "--without-gossip"]
    if concurrency is not None:
        argv += ["-c", str(concurrency)]
    if hostname is not None:
        argv += ["-n", hostname]
    # A worker process runs one task at a time: a small pool each, not the web's default.
    os.environ.setdefault("VMSDQ_DB_POOL_SIZE", "2")
    os.environ.setdefault("VMSDQ_DB_MAX_OVERFLOW", "2")
    _exec(project_dir, argv)


@main.command()
@PROJECT
@click.option("--loglevel", "-l", default="info", show_default=True)
def beat(project_dir: Path, loglevel: str) -> None:
    """Start Celery beat: sends the schedules of jobs.schedules (one beat sends at a time)."""
    _settings(project_dir)
    _exec(project_dir, ["beat", "-l", loglevel])


@main.command()
@PROJECT
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep runs this recent (default: the retention schedule's, else 90).",
)
@click.option("--dry-run", is_flag=True, help="Say what would go; remove nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def gc(project_dir: Path, keep_days: int | None, dry_run: bool, fmt: str) -> None:
    """Remove old runs with their snapshots and failure files (the retention clean-up)."""
    from vmsdq.services.retention import DEFAULT_KEEP_DAYS, clean_up

    with handled():
        ctx = context(project_dir)
        if keep_days is None:
            retention = ctx.project.spec.jobs.schedules.get("retention")
            keep_days = retention.keep_days if retention is not None else DEFAULT_KEEP_DAYS
        report = clean_up(ctx, keep_days=keep_days, dry_run=dry_run)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {len(report.runs)} runs and {len(report.folders)} run folders "
        f"({report.bytes_freed / 1e6:.1f} MB) started before {report.cutoff:%Y-%m-%d %H:%M} UTC"
    )
    for run_id in report.runs:
        click.echo(f"  {run_id}")


def _settings(project_dir: Path) -> JobSettings:
    from vmsdq.services.context import load
    from vmsdq.services.jobconfig import job_settings

    with handled():
        settings = job_settings(load(project_dir))
    if settings.embedded:
        fail(
            "Error: no broker is configured: set jobs.broker in vmsdq.yaml or VMSDQ_BROKER_URL "
            "(without one, `vmsdq validate --wait` runs in this process's threads)",
            USAGE,
        )
    return settings


def _exec(project_dir: Path, argv: list[str]) -> None:
    """Become the Celery program (same process id: signals reach Celery directly)."""
    os.environ["VMSDQ_PROJECT"] = str(project_dir.resolve())
    command = [sys.executable, "-m", "celery", "-A", CELERY_APP, *argv]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)


POLL = 0.25


def submit_and_follow(
    ctx: Context,
    *,
    entities: Sequence[str] | None,
    from_run: str | None,
    run_id: str | None,
    show: bool,
    console: Console | None = None,
) -> RunResult:
    """Start a run, hand it to the project's executor, show its progress until it ends.

    Ctrl-C cancels the run (its tasks stop at their next stage) and exits 130.
    """
    from vmsdq.services.context import open_context
    from vmsdq.services.executor import executor_for
    from vmsdq.services.runs import cancel_run, get_run, start_run

    project = ctx.project
    run_id = start_run(ctx, run_id=run_id, entities=entities, from_run=from_run)
    try:
        if not executor_for(project).submit(lambda: open_context(project), run_id):
            click.echo(
                f"run {run_id}: queued; the broker is unreachable, it is sent when it is back",
                err=True,
            )
        follow(ctx, run_id, show=show, console=console)
    except KeyboardInterrupt:
        cancel_run(ctx, run_id, reason="interrupted (Ctrl-C)")
        raise
    return get_run(ctx, run_id)


def follow(
    ctx: Context, run_id: str, *, show: bool = True, console: Console | None = None
) -> RunProgress:
    """Poll the run's stored progress until it has finished; a rich display on a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from vmsdq.services.progress import estimate

    out = console or Console(stderr=True)
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    with Progress(
        *columns, console=out, transient=False, disable=not (show and out.is_terminal)
    ) as bar:
        tasks: dict[str, Any] = {"run": bar.add_task(f"run {run_id}", total=100, detail="")}
        while True:
            found = estimate(ctx, run_id)
            _draw(bar, tasks, found)
            if found.finished:
                return found
            time.sleep(POLL)


def _draw(bar: Any, tasks: dict[str, Any], found: RunProgress) -> None:
    eta = f", ETA {found.eta:.0f} s" if found.eta is not None else ""
    rows = f"{found.rows_read:,} rows read, {found.rows_validated:,} validated"
    bar.update(tasks["run"], completed=found.percent, detail=f"{found.status}: {rows}{eta}")
    for step in found.steps:
        if step.kind != "validate":
            continue
        if step.name not in tasks:
            tasks[step.name] = bar.add_task(f"  {step.name}", total=100, detail="")
        rules = f"{step.rules_done}/{step.rules_total} rules"
        detail = (
            f"{step.status}, {rules}, {step.rows:,} rows"
            if step.rows
            else f"{step.status}, {rules}"
        )
        bar.update(tasks[step.name], completed=step.percent, detail=detail)
