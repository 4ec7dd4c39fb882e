"""Rendering shared by CLI commands: tables, JSON, progress, config errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from vmsdq.core.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from rich.console import Console

    from vmsdq.core.results import EntityResult, RunResult
    from vmsdq.core.scores import RunScores
    from vmsdq.store import ResultsStore
    from vmsdq.store.records import ScoreRow

OUTCOME_STYLE = {
    "passed": "green",
    "warn": "yellow",
    "failed": "red",
    "error": "magenta",
    "skipped": "dim",
}


def config_errors_exit(exc: ConfigError | ConfigErrors) -> NoReturn:
    click.echo(f"Configuration error:\n{exc}", err=True)
    sys.exit(2)


@contextmanager
def progress_reporter() -> Iterator[Callable[[str, str], None]]:
    """A rich progress display fed by ``(entity, phase)`` callbacks; quiet when not a TTY."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def report(entity: str, phase: str) -> None:
            bar.update(task, description=f"{phase}: {entity}")

        yield report


def entity_json(e: EntityResult) -> dict[str, Any]:
    return {
        "entity": e.entity,
        "rows": e.rows,
        "status": e.status,
        "message": e.message,
        "rejected": e.rejected,
        "seconds": round(e.seconds, 3),
        "rules": [r.to_dict() for r in e.rules],
    }


def scores_payload(scores: RunScores) -> dict[str, Any]:
    """The scores of a run as plain data: overall, band and one entry per entity."""
    return {
        "overall": scores.overall,
        "band": scores.overall_band,
        "config_version": scores.config_version,
        "label": scores.label,
        "entities": {
            name: {
                "score": e.score,
                "band": e.band,
                "threshold": e.threshold,
                "dimensions": {str(d): ds.score for d, ds in e.dimensions.items()},
            }
            for name, e in scores.entities.items()
        },
    }


def stored_scores_payload(rows: list[ScoreRow]) -> dict[str, Any] | None:
    """The same shape from score rows read back from the store (first label wins)."""
    if not rows:
        return None
    label = rows[0].label
    rows = [r for r in rows if r.label == label]
    overall = next((r for r in rows if r.level == "overall"), None)
    entities: dict[str, Any] = {}
    for r in rows:
        if r.level == "entity" and r.entity:
            entities[r.entity] = {"score": r.score, "band": r.band, "dimensions": {}}
    for r in rows:
        if r.level == "dimension" and r.entity in entities and r.dimension:
            entities[r.entity]["dimensions"][r.dimension] = r.score
    return {
        "overall": overall.score if overall else None,
        "band": overall.band if overall else None,
        "config_version": rows[0].config_version,
        "label": label,
        "entities": entities,
    }


def run_to_json(run: RunResult, scores: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "run_id": run.run_id,
        "tenant": run.tenant,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "entities": [entity_json(e) for e in run.entities],
    }
    if scores is None and run.scores is not None:
        scores = scores_payload(run.scores)
    if run.scoring_error:
        payload["scoring_error"] = run.scoring_error
    if scores:
        payload["score"] = scores.get("overall")
        payload["scores"] = scores
    return payload


def print_run_table(
    run: RunResult, project_dir: Path, scores: dict[str, Any] | None = None
) -> None:
    from rich.table import Table

    if scores is None and run.scores is not None:
        scores = scores_payload(run.scores)
    entity_scores = (scores or {}).get("entities", {})
    table = Table(title=f"Run {run.run_id}")
    for col in (
        "entity",
        "rows",
        "rules",
        "passed",
        "warn",
        "failed",
        "error",
        "failing rows",
        "score",
        "status",
    ):
        table.add_column(
            col,
            justify="left" if col in ("entity", "status") else "right",
            no_wrap=col != "status",
        )
    for e in run.entities:
        counts = {
            k: sum(1 for r in e.rules if str(r.outcome) == k)
            for k in ("passed", "warn", "failed", "error")
        }
        failing = sum(r.failed for r in e.rules)
        es = entity_scores.get(e.entity) or {}
        score = f"{es['score']:.1f}" if es.get("score") is not None else "-"
        status = es.get("band") or e.status
        if e.status == "error":
            status = f"[magenta]error[/]: {e.message}"
        table.add_row(
            e.entity,
            f"{e.rows:,}",
            str(len(e.rules)),
            str(counts["passed"]),
            str(counts["warn"]),
            str(counts["failed"]),
            str(counts["error"]),
            f"{failing:,}",
            score,
            status,
        )
    console = wide_console()
    console.print(table)
    if run.scoring_error:
        console.print(f"[yellow]Scores not computed:[/] {run.scoring_error}")
    if scores and scores.get("overall") is not None:
        console.print(f"Overall score: [bold]{scores['overall']:.1f}[/] ({scores.get('band', '')})")
    console.print(
        f"Failing rows: vmsdq failures --project {project_dir} --run {run.run_id} --rule <rule>"
    )


def open_store(project_dir: Path) -> ResultsStore:
    from vmsdq.spec.loader import load_project
    from vmsdq.store import ResultsStore

    try:
        project = load_project(project_dir)
    except (ConfigError, ConfigErrors) as exc:
        config_errors_exit(exc)
    return ResultsStore.open(None, tenant=project.spec.tenant, root=Path(project.root))


def print_runs(runs: list[RunResult]) -> None:
    from rich.table import Table

    table = Table(title="Runs")
    for col in ("run", "started", "status", "entities", "rules", "failed rules"):
        table.add_column(col)
    for run in runs:
        rules = [r for e in run.entities for r in e.rules]
        bad = sum(1 for r in rules if str(r.outcome) in ("failed", "error"))
        table.add_row(
            run.run_id,
            run.started_at.isoformat(timespec="seconds"),
            run.status,
            str(len(run.entities)),
            str(len(rules)),
            str(bad),
        )
    wide_console().print(table)


def wide_console() -> Console:
    """A console that does not squeeze tables when output is piped (120 columns at least)."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))
    return console
