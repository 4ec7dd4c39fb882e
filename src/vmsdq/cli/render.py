"""Rich tables and progress for the command line (the data comes from ``services.views``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from vmsdq.core.results import RunResult
    from vmsdq.store.records import RunSummary

OUTCOMES = ("passed", "warn", "failed", "error")
COLUMNS = ("entity", "rows", "rules", *OUTCOMES, "failing rows", "score", "status")


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


def print_run_table(
    run: RunResult, project_dir: Path, fail_under: float | None = None, *, stored: bool = True
) -> None:
    """The run's entities, scores and where its failing rows are (``stored=False``: a run
    computed in memory whose results database went away)."""
    from rich.markup import escape
    from rich.table import Table

    status = run.status if stored else "not stored"
    table = Table(title=f"Run {run.run_id} ({status}, {run.verdict(fail_under)})")
    for col in COLUMNS:
        right = col not in ("entity", "status")
        table.add_column(col, justify="right" if right else "left", no_wrap=col != "status")
    entities = run.scores.entities if run.scores is not None else {}
    for e in run.entities:
        counts = [sum(1 for r in e.rules if str(r.outcome) == k) for k in OUTCOMES]
        es = entities.get(e.entity)
        score = f"{es.score:.1f}" if es is not None and es.score is not None else "-"
        status = (es.band if es is not None else None) or e.status
        if e.status == "error":
            status = f"[magenta]error[/]: {escape(e.message)}"
        elif e.has_errors:
            status = f"[magenta]incomplete[/]: {counts[3]} rules not evaluated"
        table.add_row(
            e.entity,
            f"{e.rows:,}",
            str(len(e.rules)),
            *map(str, counts),
            f"{sum(r.failed for r in e.rules):,}",
            score,
            status,
        )
    console = wide_console()
    console.print(table)
    _print_errors(console, run)
    if run.scoring_error:
        console.print(f"[yellow]Scores not computed:[/] {escape(run.scoring_error)}")
    if run.scores is not None and run.scores.overall is not None:
        left_out = [e.entity for e in run.entities if e.has_errors]
        note = (
            f"; incomplete: leaves out what could not be evaluated in: {', '.join(left_out)}"
            if left_out
            else ""
        )
        console.print(
            f"Overall score: [bold]{run.scores.overall:.1f}[/] ({run.scores.overall_band}){note}"
        )
    if stored:
        console.print(
            f"Failing rows: vmsdq failures --project {project_dir} --run {run.run_id} --rule <rule>"
        )


def _print_errors(console: Console, run: RunResult) -> None:
    """Rules that could not be evaluated, with why (the first ten)."""
    from rich.markup import escape

    broken = [r for r in run.rules if str(r.outcome) == "error"]
    if not broken:
        return
    console.print(f"[magenta]{len(broken)} rules could not be evaluated[/]:")
    by_message: dict[str, list[str]] = {}
    for r in broken:
        by_message.setdefault(r.message or "no message", []).append(r.rule)
    for message, rules in list(by_message.items())[:10]:
        names = ", ".join(rules[:3]) + (f" and {len(rules) - 3} more" if len(rules) > 3 else "")
        console.print(f"  {escape(names)}: {escape(message)}")
    if len(by_message) > 10:
        console.print(f"  ... and {len(by_message) - 10} more messages (see --format json)")


def print_runs(runs: Sequence[RunSummary], next_cursor: str | None = None) -> None:
    from rich.table import Table

    table = Table(title="Runs")
    for col in ("run", "started", "status", "entities", "rules", "failed rules", "score"):
        table.add_column(col)
    for run in runs:
        table.add_row(
            run.run_id,
            run.started_at.isoformat(timespec="seconds"),
            run.status,
            str(run.entity_count),
            str(run.rule_count),
            str(run.failed_rule_count),
            f"{run.score:.1f}" if run.score is not None else "-",
        )
    console = wide_console()
    console.print(table)
    if next_cursor:
        console.print(f"More: --cursor {next_cursor}")


def wide_console() -> Console:
    """A console that does not squeeze tables when output is piped (120 columns at least)."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))
    return console
