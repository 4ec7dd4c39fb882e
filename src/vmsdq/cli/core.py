"""Core commands: demo, validate, failures, runs, show."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vmsdq.cli import main
from vmsdq.cli.output import (
    config_errors_exit,
    print_run_table,
    progress_reporter,
    run_to_json,
)
from vmsdq.core.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from vmsdq.core.results import RunResult

PROJECT = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds vmsdq.yaml).",
)


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
@click.option("--no-serve", is_flag=True, default=True, help="Do not serve the dashboard.")
def demo(
    volunteers: int,
    seed: int,
    target: Path,
    history_days: int,
    salesforce_server: bool,
    no_serve: bool,
) -> None:
    """Generate the demo VMS data, validate it end to end and print the results."""
    from vmsdq.demo import generate_demo
    from vmsdq.runner import run_project

    if history_days:
        _simulate_history(target, history_days, volunteers, seed)
    click.echo(f"Generating demo VMS data for {volunteers:,} volunteers (seed {seed}) in {target}/")
    generate_demo(target, volunteers=volunteers, seed=seed)
    try:
        if salesforce_server:
            run = _run_against_fake_org(target)
        else:
            with progress_reporter() as progress:
                run = run_project(target, progress=progress)
    except (ConfigError, ConfigErrors) as exc:
        config_errors_exit(exc)
    print_run_table(run, target)


def _run_against_fake_org(target: Path) -> RunResult:
    from vmsdq.demo.salesforce.org import serve_mirror
    from vmsdq.runner import run_loaded_project
    from vmsdq.spec.loader import load_project

    with serve_mirror(load_project(target)) as (project, org):
        click.echo(f"Salesforce side served by a local fake org at {org.url}")
        with progress_reporter() as progress:
            run = run_loaded_project(project, progress=progress)
        click.echo(f"Salesforce API calls: {org.api_calls} ({org.calls})")
    return run


def _simulate_history(target: Path, days: int, volunteers: int, seed: int) -> None:
    from rich.progress import Progress

    from vmsdq.demo.history import simulate

    click.echo(f"Simulating {days} days of history in {target}/ ...")
    with Progress(transient=True) as bar:
        task = bar.add_task("simulating", total=days)

        def advance(*_: object) -> None:
            bar.advance(task)

        simulate(target, days, volunteers=volunteers, seed=seed, progress=advance)


@main.command()
@PROJECT
@click.option("--entity", "entities", multiple=True, help="Validate only these entities.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the overall score is below this.",
)
@click.option("--no-store", is_flag=True, help="Do not save the run in the results store.")
@click.option("--from-run", default=None, help="Re-validate a past run's snapshots.")
def validate(
    project_dir: Path,
    entities: tuple[str, ...],
    fmt: str,
    fail_under: float | None,
    no_store: bool,
    from_run: str | None,
) -> None:
    """Validate the project's entities and print the results."""
    from vmsdq.runner import run_project

    try:
        if fmt == "table":
            with progress_reporter() as progress:
                run = run_project(
                    project_dir,
                    entities=list(entities) or None,
                    store=not no_store,
                    from_run=from_run,
                    progress=progress,
                )
        else:
            run = run_project(
                project_dir, entities=list(entities) or None, store=not no_store, from_run=from_run
            )
    except (ConfigError, ConfigErrors) as exc:
        config_errors_exit(exc)
    if fmt == "json":
        click.echo(json.dumps(run_to_json(run), indent=2))
    else:
        print_run_table(run, project_dir)
    sys.exit(_exit_code(run, fail_under))


def _exit_code(run: RunResult, fail_under: float | None) -> int:
    """1 when a critical rule failed or the overall score is below ``fail_under``."""
    from vmsdq.core.words import Severity

    for entity in run.entities:
        if entity.status == "error":
            return 1
        if any(r.severity is Severity.critical and r.failed for r in entity.rules):
            return 1
    overall = run_to_json(run).get("score")
    if fail_under is not None and (overall is None or overall < fail_under):
        return 1
    return 0


@main.command()
@PROJECT
@click.option("--run", "run_id", required=True)
@click.option("--rule", required=True, help="Full rule name, e.g. volunteer.email.format")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def failures(project_dir: Path, run_id: str, rule: str, fmt: str, out: Path | None) -> None:
    """Export the failing rows of one rule of one run (key column first)."""
    from vmsdq.cli.export import export_failures

    try:
        export_failures(project_dir, run_id, rule, fmt, out)
    except (ConfigError, ConfigErrors) as exc:
        config_errors_exit(exc)


@main.command()
@PROJECT
@click.option("--limit", type=int, default=20, show_default=True)
def runs(project_dir: Path, limit: int) -> None:
    """List recent runs."""
    from vmsdq.cli.output import open_store, print_runs

    print_runs(open_store(project_dir).list_runs(limit=limit))


@main.command()
@PROJECT
@click.argument("run_id")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def show(project_dir: Path, run_id: str, fmt: str) -> None:
    """Show one run's results."""
    from vmsdq.cli.output import open_store, stored_scores_payload

    store = open_store(project_dir)
    run = store.get_run(run_id)
    if run is None:
        raise click.ClickException(f"no run '{run_id}' in {project_dir}")
    scores = stored_scores_payload(store.scores(run_id))
    payload: Any = run_to_json(run, scores)
    if fmt == "json":
        click.echo(json.dumps(payload, indent=2))
    else:
        print_run_table(run, project_dir, scores)
