"""Scores, explanations, history, trends, anomalies and runtime settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from vmsdq.cli import main
from vmsdq.cli.errors import handled
from vmsdq.cli.options import PROJECT, context, echo

FORMATS = click.Choice(["table", "json"])


@main.command()
@PROJECT
@click.argument("run_id")
@click.option("--rescore", is_flag=True, help="Score again under the settings in force now.")
@click.option("--config-version", type=int, default=None, help="Rescore under this version.")
@click.option("--format", "fmt", type=FORMATS, default="table")
def score(
    project_dir: Path, run_id: str, rescore: bool, config_version: int | None, fmt: str
) -> None:
    """Show a run's scores (RUN may be 'latest'); --rescore stores a labelled rescoring."""
    from vmsdq.cli.text import scores_lines
    from vmsdq.services import anomalies, scores
    from vmsdq.services.lookup import resolve
    from vmsdq.services.views import anomaly_view, scores_view

    with handled():
        ctx = context(project_dir)
        run_id = resolve(ctx, run_id)
        if rescore or config_version is not None:
            found = scores.rescore(ctx, run_id, version=config_version)
        else:
            found = scores.run_scores(ctx, run_id)
        flagged = anomalies.list_anomalies(ctx, run_id=run_id)
    if fmt == "json":
        payload = scores_view(found) | {"anomalies": [anomaly_view(a) for a in flagged]}
        click.echo(json.dumps(payload, indent=2))
        return
    echo(scores_lines(found))
    click.echo(f"anomalies flagged on this run: {len(flagged)}")
    echo([f"  {a.describe()}" for a in flagged[:10]])
    if len(flagged) > 10:
        click.echo(f"  ... see `vmsdq anomalies --run {run_id}`")


@main.command()
@PROJECT
@click.argument("run_id")
@click.option("--entity", default=None, help="Explain one entity.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table")
def explain(project_dir: Path, run_id: str, entity: str | None, top: int, fmt: str) -> None:
    """How each score of a run was computed, and which rules cost the most points."""
    from vmsdq.services.scores import explain_run
    from vmsdq.services.views import explanation_view

    with handled():
        found = explain_run(context(project_dir), run_id, entity=entity, top=top)
    if fmt == "json":
        click.echo(json.dumps(explanation_view(found), indent=2))
    else:
        echo(found.lines())


@main.command()
@PROJECT
@click.option("--entity", default=None)
@click.option("--rule", default=None, help="Full rule name, e.g. volunteer.email.format")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last N days.")
@click.option("--last", type=click.IntRange(min=1), default=None, help="Only the newest N runs.")
@click.option("--format", "fmt", type=FORMATS, default="table")
def history(
    project_dir: Path,
    entity: str | None,
    rule: str | None,
    days: int | None,
    last: int | None,
    fmt: str,
) -> None:
    """Score, failed rows and rows evaluated per run: overall, an entity, or a rule."""
    from vmsdq.cli.text import history_lines
    from vmsdq.services.history import history as series_of
    from vmsdq.services.runs import list_runs
    from vmsdq.services.views import point_view

    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with handled():
        ctx = context(project_dir)
        found = series_of(ctx, entity=entity, rule=rule, since=since, limit=last)
        unfinished = [
            r
            for status in ("queued", "running")
            for r in list_runs(ctx, status=status, since=since, limit=100).items
        ]
    if fmt == "json":
        payload = {s.name: [point_view(p) for p in s.points] for s in found}
        click.echo(json.dumps(payload, indent=2))
        return
    for i, s in enumerate(found):
        echo(([""] if i else []) + history_lines(s.points, s.name))
    if unfinished:
        ids = ", ".join(r.run_id for r in unfinished[:5]) + (", ..." if len(unfinished) > 5 else "")
        click.echo(
            f"Not shown: {len(unfinished)} runs that have not finished ({ids}); "
            "see `vmsdq runs status RUN`, finish one with `vmsdq runs resume RUN`"
        )


@main.command()
@PROJECT
@click.option("--entity", default=None, help="Also show this entity's dimensions.")
@click.option("--rule", default=None, help="Also show this rule's score (pass rate x 100).")
@click.option("--format", "fmt", type=FORMATS, default="table")
def trends(project_dir: Path, entity: str | None, rule: str | None, fmt: str) -> None:
    """Change vs previous run, 7 and 30 days ago, slope, direction and when the target is met."""
    from vmsdq.cli.text import trend_lines
    from vmsdq.services.history import trends as trends_of
    from vmsdq.services.settings import in_force
    from vmsdq.services.views import trend_view

    with handled():
        ctx = context(project_dir)
        found = trends_of(ctx, entity=entity, rule=rule)
        tolerance = in_force(ctx).settings.analytics.trend_tolerance
    if fmt == "json":
        click.echo(json.dumps([trend_view(n, t) for n, t in found], indent=2))
    else:
        echo(trend_lines(found, tolerance))


@main.command()
@PROJECT
@click.option("--run", "run_id", default=None, help="Only this run ('latest' works).")
@click.option("--entity", default=None)
@click.option("--days", type=click.IntRange(min=1), default=None)
@click.option("--rescan", is_flag=True, help="Recompute for every run with current settings.")
@click.option("--format", "fmt", type=FORMATS, default="table")
def anomalies(
    project_dir: Path,
    run_id: str | None,
    entity: str | None,
    days: int | None,
    rescan: bool,
    fmt: str,
) -> None:
    """Anomalies found in the history (scores, row counts, rule failure rates)."""
    from vmsdq.services import anomalies as a
    from vmsdq.services.views import anomaly_view

    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with handled():
        ctx = context(project_dir)
        if rescan:
            n, sensitivity = a.rescan(ctx)
            click.echo(f"rescanned every run: {n} anomalies (sensitivity {sensitivity:g})")
        found = a.list_anomalies(ctx, run_id=run_id, entity=entity, since=since)
    if fmt == "json":
        click.echo(json.dumps([anomaly_view(x) for x in found], indent=2))
        return
    if not found:
        click.echo("no anomalies")
    for x in found:
        click.echo(f"{x.run_id}  {x.describe()}")


@main.group()
def settings() -> None:
    """Scoring weights, thresholds, bands and anomaly sensitivity (numbered versions)."""


@settings.command("show")
@PROJECT
@click.option("--version", "version", type=int, default=None, help="An older version.")
@click.option("--format", "fmt", type=FORMATS, default="table")
def settings_show(project_dir: Path, version: int | None, fmt: str) -> None:
    """Print the settings in force (or a given version) as KEY = VALUE."""
    from vmsdq.cli.text import settings_lines
    from vmsdq.services import settings as s
    from vmsdq.services.views import config_view

    with handled():
        ctx = context(project_dir)
        config = s.get_version(ctx, version) if version is not None else s.in_force(ctx)
    if fmt == "json":
        click.echo(json.dumps(config_view(config), indent=2))
    else:
        echo(settings_lines(config))


@settings.command("set")
@PROJECT
@click.argument("key")
@click.argument("value")
def settings_set(project_dir: Path, key: str, value: str) -> None:
    """Set KEY to VALUE (YAML; null removes an entry) as a new config version."""
    from vmsdq.services.settings import update

    with handled():
        config = update(context(project_dir), key, value)
    click.echo(f"config v{config.version}: {config.note}")


@settings.command("preview")
@PROJECT
@click.argument("key")
@click.argument("value")
@click.option("--run", "run_id", default="latest", show_default=True)
def settings_preview(project_dir: Path, key: str, value: str, run_id: str) -> None:
    """How a run's scores would change with KEY = VALUE (nothing is saved)."""
    from vmsdq.cli.text import preview_lines
    from vmsdq.services.scores import preview

    with handled():
        found = preview(context(project_dir), key, value, run_id)
    echo(preview_lines(found))


@settings.command("history")
@PROJECT
def settings_history(project_dir: Path) -> None:
    """Every config version, oldest first."""
    from vmsdq.cli.text import config_history_lines
    from vmsdq.services.settings import history as versions

    with handled():
        found = versions(context(project_dir))
    echo(config_history_lines(found))
