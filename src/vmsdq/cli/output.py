"""Rendering shared by CLI commands: tables, JSON, progress, config errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from vmsdq.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from vmsdq.engine.results import EntityResult, RunResult
    from vmsdq.store import ResultsStore

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
        "rules": [
            {
                "rule": r.rule,
                "kind": r.kind,
                "dimension": str(r.dimension),
                "severity": str(r.severity),
                "weight": r.weight,
                "evaluated": r.evaluated,
                "failed": r.failed,
                "pass_rate": r.pass_rate,
                "outcome": str(r.outcome),
                "message": r.message,
                "observed": r.observed,
            }
            for r in e.rules
        ],
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
    if scores:
        payload["score"] = scores.get("overall")
        payload["scores"] = scores
    return payload


def print_run_table(
    run: RunResult, project_dir: Path, scores: dict[str, Any] | None = None
) -> None:
    from rich.console import Console
    from rich.table import Table

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
        table.add_column(col, justify="left" if col in ("entity", "status") else "right")
    for e in run.entities:
        counts = {
            k: sum(1 for r in e.rules if str(r.outcome) == k)
            for k in ("passed", "warn", "failed", "error")
        }
        failing = sum(r.failed for r in e.rules)
        es = entity_scores.get(e.entity, {})
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
    console = Console()
    console.print(table)
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
    from rich.console import Console
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
    Console().print(table)
