"""Core commands: demo, validate, failures, show."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vmsdq.cli import collector, main
from vmsdq.cli.errors import finish, handled, kept
from vmsdq.cli.options import PROJECT, context
from vmsdq.cli.render import print_run_table, progress_reporter

if TYPE_CHECKING:
    from vmsdq.core.results import RunResult


@main.command()
@click.option("--volunteers", type=click.IntRange(min=1), default=5000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=Path("demo")
)
@click.option(
    "--history",
    "history_days",
    type=click.IntRange(min=0),
    default=0,
    help="First simulate this many daily runs (data improving and degrading, a few anomalies).",
)
@click.option(
    "--salesforce-server",
    is_flag=True,
    help="Serve the Salesforce-side copy from a local fake org and reconcile over its API.",
)
@click.option(
    "--serve/--no-serve",
    default=None,
    help="Then serve the dashboard on http://127.0.0.1:8000 (default: only when run from a "
    "terminal; --no-serve for scripts).",
)
def demo(
    volunteers: int,
    seed: int,
    target: Path,
    history_days: int,
    salesforce_server: bool,
    serve: bool | None,
) -> None:
    """Generate the demo VMS data, validate it end to end and print the results."""
    from vmsdq.demo import generate_demo

    with handled():
        if history_days:  # the demo's own data is generated during the last day's run
            _simulate_history(target, history_days, volunteers, seed)
        what = f"demo VMS data for {volunteers:,} volunteers (seed {seed}) in {target}/"
        if history_days:
            click.echo(f"Validating the {what}")
        else:
            click.echo(f"Generating {what}")
            generate_demo(target, volunteers=volunteers, seed=seed)
        run = _run_against_fake_org(target) if salesforce_server else _run(target)
    print_run_table(run, target)
    from vmsdq.cli.security_cmds import demo_admin

    demo_admin(target)  # nothing is served without an account
    if serve if serve is not None else sys.stdin.isatty() and sys.stdout.isatty():
        from vmsdq.cli.serve_cmds import serve_project

        click.echo("Dashboard: http://127.0.0.1:8000/")
        serve_project(target)


def _run(target: Path) -> RunResult:
    from vmsdq.services.runs import run_now

    with progress_reporter() as progress:
        return run_now(context(target), progress=progress)


def _run_against_fake_org(target: Path) -> RunResult:
    from vmsdq.demo.salesforce.org import serve_mirror
    from vmsdq.services.context import load, open_context
    from vmsdq.services.runs import run_now

    with serve_mirror(load(target)) as (project, org):
        click.echo(f"Salesforce side served by a local fake org at {org.url}")
        with progress_reporter() as progress:
            run = run_now(open_context(project), progress=progress)
        click.echo(f"Salesforce API calls: {org.api_calls} ({org.calls})")
    return run


def _simulate_history(target: Path, days: int, volunteers: int, seed: int) -> None:
    """Simulate ``days`` daily runs with progress on stderr: a bar on a terminal, else one
    line per day (logs and CI show how far it got)."""
    import time

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from vmsdq.demo.ahead import DemoDay
    from vmsdq.demo.history import DayPlan
    from vmsdq.services.demo import simulate

    click.echo(f"Simulating {days} days of history in {target}/ ...")
    console = Console(stderr=True)
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("simulated days", total=days)

        def advance(i: int, day: DayPlan) -> None:
            bar.update(task, advance=1, description=f"simulated {day.day:%Y-%m-%d}")
            if not console.is_terminal:
                elapsed = time.perf_counter() - started
                click.echo(
                    f"history: day {i + 1}/{days} ({day.day:%Y-%m-%d}) stored, {elapsed:.0f} s",
                    err=True,
                )

        then = DemoDay(volunteers, seed, 1.0, None, write_truth=None)  # as generate_demo's default
        simulate(target, days, volunteers=volunteers, seed=seed, progress=advance, then=then)


@main.command()
@PROJECT
@click.option("--entity", "entities", multiple=True, help="Validate only these entities.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the overall score is below this (default: scoring.fail_under).",
)
@click.option("--no-store", is_flag=True, help="Do not save the run in the results store.")
@click.option("--from-run", default=None, help="Re-validate a past run's snapshots.")
@click.option("--run-id", default=None, help="The id to give the run (default: a new one).")
@click.option(
    "--wait",
    is_flag=True,
    help="Hand the run to the job workers (jobs.broker; without one, a thread pool here) "
    "and follow its progress until it ends.",
)
def validate(
    project_dir: Path,
    entities: tuple[str, ...],
    fmt: str,
    fail_under: float | None,
    no_store: bool,
    from_run: str | None,
    run_id: str | None,
    wait: bool,
) -> None:
    """Validate the project's entities and print the results (exit codes: see --help of vmsdq)."""
    from vmsdq.services.context import load, open_context, scratch_context
    from vmsdq.services.runs import run_now
    from vmsdq.services.views import run_view

    if wait and no_store:
        raise click.UsageError(
            "--wait hands the run to workers, which need it stored: drop --no-store"
        )
    with collector.paused(), handled():  # vmsdq.cli.collector: why
        project = load(project_dir)
        ctx = scratch_context(project) if no_store else open_context(project)
        if wait:
            from vmsdq.cli.jobs_cmds import submit_and_follow

            run = submit_and_follow(
                ctx,
                entities=list(entities) or None,
                from_run=from_run,
                run_id=run_id,
                show=fmt == "table",
            )
            not_stored = ""
        else:
            with progress_reporter() if fmt == "table" else nullcontext() as progress:
                run, not_stored = kept(
                    lambda: run_now(
                        ctx,
                        entities=list(entities) or None,
                        from_run=from_run,
                        run_id=run_id,
                        progress=progress,
                    )
                )
        stored_plan = None if not_stored else ctx.repos.runs.plan(run.run_id)
        for note in (stored_plan or {}).get("type_notes") or []:
            click.echo(f"Note: {note}", err=True)
    bar = fail_under if fail_under is not None else project.spec.scoring.fail_under
    if fmt == "json":
        view = run_view(run, bar) | ({"not_stored": not_stored} if not_stored else {})
        click.echo(json.dumps(view, indent=2))
    else:
        print_run_table(run, project_dir, bar, stored=not not_stored)
    finish(run.verdict(bar), not_stored)


@main.command()
@PROJECT
@click.option("--run", "run_id", required=True, help="A run id, or 'latest'.")
@click.option("--rule", required=True, help="Full rule name, e.g. volunteer.email.format")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def failures(project_dir: Path, run_id: str, rule: str, fmt: str, out: Path | None) -> None:
    """Export the failing rows of one rule of one run (key column first)."""
    from vmsdq.services.failures import export_failures

    if fmt == "parquet" and out is None:
        raise click.UsageError("--format parquet needs --out FILE")
    with handled():
        chunks = export_failures(context(project_dir), run_id, rule, fmt)
        if out is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
        else:
            with out.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)


@main.command()
@PROJECT
@click.argument("run_id")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def show(project_dir: Path, run_id: str, fmt: str) -> None:
    """Show one run's results (RUN may be 'latest')."""
    from vmsdq.services.runs import get_run
    from vmsdq.services.views import run_view

    with handled():
        run = get_run(context(project_dir), run_id)
    if fmt == "json":
        click.echo(json.dumps(run_view(run), indent=2))
    else:
        print_run_table(run, project_dir)
