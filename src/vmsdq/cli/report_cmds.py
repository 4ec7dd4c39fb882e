"""``vmsdq report``: a quality report of a period on demand (Markdown, HTML or PDF), or the
report of a ``reports:`` schedule sent by email now; ``vmsdq alerts``: incidents and the
retry sweep of deliveries."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from vmsdq.cli import main
from vmsdq.cli.errors import handled
from vmsdq.cli.options import PROJECT, context, echo


@main.command()
@PROJECT
@click.option("--period", type=click.Choice(["daily", "weekly", "monthly"]), default="weekly")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "md"]), default="md")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here (default: standard output; a PDF needs --out).",
)
@click.option("--end", type=click.DateTime(), default=None, help="End of the period (UTC).")
@click.option(
    "--send",
    "schedule",
    default=None,
    help="Email the report of this reports.schedules entry now instead.",
)
def report(
    project_dir: Path,
    period: str,
    fmt: str,
    out: Path | None,
    end: datetime | None,
    schedule: str | None,
) -> None:
    """A quality report: score trend, entities, rules costing the most points, incidents."""
    from vmsdq.services.report_send import render, send_report
    from vmsdq.services.reports import build_report

    until = end.replace(tzinfo=UTC) if end is not None else None
    with handled():
        ctx = context(project_dir)
        if schedule is not None:
            sent = send_report(ctx, schedule, end=until)
            echo(
                [
                    f"{d.target}: {d.status}" + (f" ({d.last_error})" if d.last_error else "")
                    for d in (ctx.repos.webhooks.delivery(s.id) or s for s in sent)
                ]
            )
            return
        if fmt == "pdf" and out is None:
            raise click.UsageError("--format pdf needs --out FILE")
        data = render(build_report(ctx, period, end=until), fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        click.echo(f"{period} report written to {out} ({len(data)} bytes)", err=True)


@main.group()
def alerts() -> None:
    """Alert incidents and deliveries."""


@alerts.command("incidents")
@PROJECT
@click.option("--status", type=click.Choice(["open", "resolved"]), default=None)
def incidents(project_dir: Path, status: str | None) -> None:
    """Incidents, the most recently seen first."""
    from vmsdq.services.alerts import list_incidents

    with handled():
        found = list_incidents(context(project_dir), status=status)
    echo(
        [
            f"{i.status:8} {i.severity:8} {i.rule}: {i.message} "
            f"(since {i.opened_at:%Y-%m-%d %H:%M})"
            for i in found
        ]
        or ["no incidents"]
    )


@alerts.command("deliver")
@PROJECT
def deliver(project_dir: Path) -> None:
    """Attempt every delivery whose retry is due, and check the run-overdue alert rules."""
    from vmsdq.services.alerts import check_overdue
    from vmsdq.services.deliveries import deliver_due

    with handled():
        ctx = context(project_dir)
        done = deliver_due(ctx)
        overdue = check_overdue(ctx)
    echo([f"{len(done)} deliveries attempted, {len(overdue)} overdue notices queued"])
