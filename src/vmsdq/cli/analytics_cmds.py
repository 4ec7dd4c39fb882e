"""Scores, explanations, history, trends, anomalies and runtime settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vmsdq.cli import main
from vmsdq.cli.core import PROJECT as project_option
from vmsdq.cli.output import config_errors_exit
from vmsdq.core.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from vmsdq.spec.models import Project
    from vmsdq.store import ResultsStore


@contextmanager
def opened(project_dir: Path) -> Iterator[tuple[Project, ResultsStore]]:
    """The loaded project and its results store; config errors exit with status 2."""
    from vmsdq.analytics.pipeline import RunNotFoundError
    from vmsdq.spec.loader import load_project
    from vmsdq.store import ResultsStore

    try:
        project = load_project(project_dir)
        store = ResultsStore.open(None, tenant=project.spec.tenant, root=Path(project.root))
        with store:
            yield project, store
    except (ConfigError, ConfigErrors) as exc:
        config_errors_exit(exc)
    except RunNotFoundError as exc:
        raise click.ClickException(str(exc)) from None


def echo(lines: list[str]) -> None:
    click.echo("\n".join(lines))


def resolve_run(store: ResultsStore, run_id: str) -> str:
    if run_id != "latest":
        return run_id
    runs = store.list_runs(limit=1)
    if not runs:
        raise click.ClickException("no runs yet; run `vmsdq validate` first")
    return runs[0].run_id


@main.command()
@project_option
@click.argument("run_id")
@click.option("--rescore", is_flag=True, help="Score again under the config in force now.")
@click.option("--config-version", type=int, default=None, help="Rescore under this version.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def score(
    project_dir: Path, run_id: str, rescore: bool, config_version: int | None, fmt: str
) -> None:
    """Show a run's scores (RUN may be 'latest'); --rescore stores a labelled rescoring."""
    from vmsdq.analytics import pipeline, report
    from vmsdq.analytics.anomalies import list_anomalies

    with opened(project_dir) as (project, store):
        run_id = resolve_run(store, run_id)
        if rescore or config_version is not None:
            scores = pipeline.rescore(store, run_id, project, version=config_version)
        else:
            scores = pipeline.compute_scores(store, run_id, project, as_run=True)
        flagged = list_anomalies(store, run_id=run_id)
        if fmt == "json":
            payload = asdict(scores) | {"anomalies": [asdict(a) for a in flagged]}
            click.echo(json.dumps(payload, indent=2, default=str))
            return
        echo(report.scores_lines(scores))
        click.echo(f"anomalies flagged on this run: {len(flagged)}")
        echo([f"  {a.describe()}" for a in flagged[:10]])
        if len(flagged) > 10:
            click.echo(f"  ... see `vmsdq anomalies --run {run_id}`")


@main.command()
@project_option
@click.argument("run_id")
@click.option("--entity", default=None, help="Explain one entity.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
def explain(project_dir: Path, run_id: str, entity: str | None, top: int) -> None:
    """How each score of a run was computed, and which rules cost the most points."""
    from vmsdq.analytics.pipeline import compute_scores
    from vmsdq.scoring import explain as explain_scores

    with opened(project_dir) as (project, store):
        scores = compute_scores(store, resolve_run(store, run_id), project, as_run=True)
        try:
            echo(explain_scores(scores, entity=entity, top=top).lines())
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0])) from None


@main.command()
@project_option
@click.option("--entity", default=None)
@click.option("--rule", default=None, help="Full rule name, e.g. volunteer.email.format")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last N days.")
def history(project_dir: Path, entity: str | None, rule: str | None, days: int | None) -> None:
    """Score, failed rows and rows evaluated per run: overall, an entity, or a rule."""
    from vmsdq.analytics import history as h
    from vmsdq.analytics.report import history_lines

    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with opened(project_dir) as (_, store):
        if rule is not None:
            series = h.rule_history(store, entity=entity, rule=rule, since=since)
            if rule not in series:
                raise click.ClickException(f"no history for rule '{rule}'")
            echo(history_lines(series[rule], f"rule {rule}"))
        elif entity is not None:
            found = h.entity_history(store, entity=entity, since=since)
            if entity not in found:
                raise click.ClickException(f"no history for entity '{entity}'")
            echo(history_lines(found[entity], f"entity {entity}"))
            for (_, dim), pts in h.dimension_history(store, entity=entity, since=since).items():
                echo(["", *history_lines(pts, f"{entity} / {dim}")])
        else:
            echo(history_lines(h.overall_history(store, since=since), "overall"))


@main.command()
@project_option
@click.option("--entity", default=None, help="Also show this entity's dimensions.")
@click.option("--rule", default=None, help="Also show this rule's score (pass rate x 100).")
def trends(project_dir: Path, entity: str | None, rule: str | None) -> None:
    """Change vs previous run, 7 and 30 days ago, slope, direction and when the target is met."""
    from vmsdq.analytics import history as h
    from vmsdq.analytics.config_versions import current_config
    from vmsdq.analytics.report import trend_lines
    from vmsdq.analytics.trends import Point, compute_trend

    with opened(project_dir) as (project, store):
        settings = current_config(store, project.spec.scoring).settings
        series = {"overall": h.overall_history(store)}
        series |= {f"entity {k}": v for k, v in h.entity_history(store, entity=entity).items()}
        if entity is not None:
            dims = h.dimension_history(store, entity=entity)
            series |= {f"{e} / {d}": v for (e, d), v in dims.items()}
        if rule is not None:
            series |= {f"rule {k}": v for k, v in h.rule_history(store, rule=rule).items()}
        tol = settings.analytics.trend_tolerance
        found = [
            (
                name,
                compute_trend(
                    [Point(p.at, p.score, p.run_id) for p in pts if p.score is not None],
                    target=settings.scoring.target,
                    tolerance=tol,
                ),
            )
            for name, pts in series.items()
        ]
        echo(trend_lines(found, tol))


@main.command()
@project_option
@click.option("--run", "run_id", default=None, help="Only this run ('latest' works).")
@click.option("--entity", default=None)
@click.option("--days", type=click.IntRange(min=1), default=None)
@click.option("--rescan", is_flag=True, help="Recompute for every run with current settings.")
def anomalies(
    project_dir: Path, run_id: str | None, entity: str | None, days: int | None, rescan: bool
) -> None:
    """Anomalies found in the history (scores, row counts, rule failure rates)."""
    from vmsdq.analytics import anomalies as a
    from vmsdq.analytics.config_versions import current_config

    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with opened(project_dir) as (project, store):
        if rescan:
            settings = current_config(store, project.spec.scoring).settings
            n = a.rescan(store, settings.analytics)
            click.echo(
                f"rescanned every run: {n} anomalies "
                f"(sensitivity {settings.analytics.anomaly_sensitivity:g})"
            )
        run = resolve_run(store, run_id) if run_id else None
        found = a.list_anomalies(store, run_id=run, entity=entity, since=since)
        if not found:
            click.echo("no anomalies")
        for x in found:
            click.echo(f"{x.run_id}  {x.describe()}")


@main.group()
def settings() -> None:
    """Scoring weights, thresholds, bands and anomaly sensitivity (numbered versions)."""


@settings.command("show")
@project_option
@click.option("--version", "version", type=int, default=None, help="An older version.")
def settings_show(project_dir: Path, version: int | None) -> None:
    """Print the settings in force (or a given version) as KEY = VALUE."""
    from vmsdq.analytics import config_versions as cv
    from vmsdq.analytics.report import settings_lines

    with opened(project_dir) as (project, store):
        config = (
            cv.get_config(store, version)
            if version is not None
            else cv.current_config(store, project.spec.scoring)
        )
        if config is None:
            raise click.ClickException(f"config version {version} does not exist")
        echo(settings_lines(config))


@settings.command("set")
@project_option
@click.argument("key")
@click.argument("value")
def settings_set(project_dir: Path, key: str, value: str) -> None:
    """Set KEY to VALUE (YAML; null removes an entry) as a new config version."""
    from vmsdq.analytics.config_versions import set_config

    with opened(project_dir) as (project, store):
        config = set_config(store, project.spec.scoring, key, value, entities=project.entities)
        click.echo(f"config v{config.version}: {config.note}")


@settings.command("history")
@project_option
def settings_history(project_dir: Path) -> None:
    """Every config version, oldest first."""
    from vmsdq.analytics.config_versions import current_config, list_configs
    from vmsdq.analytics.report import config_history_lines

    with opened(project_dir) as (project, store):
        current_config(store, project.spec.scoring)
        echo(config_history_lines(list_configs(store)))
