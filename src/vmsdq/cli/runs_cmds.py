"""``vmsdq runs``: list runs, follow one's progress, resume or cancel it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from vmsdq.cli import main
from vmsdq.cli.errors import finish, handled, kept
from vmsdq.cli.options import PROJECT, context
from vmsdq.cli.render import print_run_table, print_runs, progress_reporter

STATUSES = ["queued", "running", "completed", "failed", "cancelled"]
FORMATS = click.Choice(["table", "json"])


@main.group(invoke_without_command=True)
@PROJECT
@click.option("--status", type=click.Choice(STATUSES), default=None)
@click.option("--since", type=click.DateTime(), default=None, help="Started at or after (UTC).")
@click.option("--until", type=click.DateTime(), default=None, help="Started before (UTC).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--cursor", default=None, help="Where the previous page ended.")
@click.option("--format", "fmt", type=FORMATS, default="table")
@click.pass_context
def runs(
    click_ctx: click.Context,
    project_dir: Path,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
    fmt: str,
) -> None:
    """List runs, newest first (or: runs status|resume|cancel RUN)."""
    if click_ctx.invoked_subcommand is not None:
        return
    from vmsdq.services.runs import list_runs
    from vmsdq.services.views import summary_view

    with handled():
        page = list_runs(
            context(project_dir),
            status=status,
            since=_utc(since),
            until=_utc(until),
            cursor=cursor,
            limit=limit,
        )
    if fmt == "json":
        payload = {"runs": [summary_view(r) for r in page.items], "next_cursor": page.next_cursor}
        click.echo(json.dumps(payload, indent=2))
    else:
        print_runs(page.items, page.next_cursor)


@runs.command("status")
@PROJECT
@click.argument("run_id")
@click.option("--format", "fmt", type=FORMATS, default="table")
def runs_status(project_dir: Path, run_id: str, fmt: str) -> None:
    """A run's status and the progress of each of its steps."""
    from vmsdq.services.runs import progress
    from vmsdq.services.views import progress_view

    with handled():
        view = progress_view(*progress(context(project_dir), run_id))
    if fmt == "json":
        click.echo(json.dumps(view, indent=2))
        return
    done = view["progress"]
    click.echo(
        f"run {view['run_id']}: {view['status']} ({done['steps_done']} of "
        f"{done['steps']} steps, {done['percent']}%, {done['rows_read']:,} rows read)"
    )
    if view["message"]:
        click.echo(f"  {view['message']}")
    for step in view["steps"]:
        note = f"  {step['message']}" if step["message"] else ""
        click.echo(
            f"  {step['kind']:<8} {step['name']:<28} {step['status']:<10} "
            f"{step['rows']:>10,} rows{note}"
        )


@runs.command("resume")
@PROJECT
@click.argument("run_id")
def runs_resume(project_dir: Path, run_id: str) -> None:
    """Complete a run that was interrupted: do its remaining steps, then score it."""
    from vmsdq.services.runs import resume_run

    with handled(), progress_reporter() as report:
        ctx = context(project_dir)
        run, not_stored = kept(lambda: resume_run(ctx, run_id, progress=report))
    print_run_table(run, project_dir, stored=not not_stored)
    finish(run.verdict(), not_stored)


@runs.command("cancel")
@PROJECT
@click.argument("run_id")
def runs_cancel(project_dir: Path, run_id: str) -> None:
    """Cancel a run that has not finished."""
    from vmsdq.services.runs import cancel_run

    with handled():
        found = cancel_run(context(project_dir), run_id)
    click.echo(f"run {found.run_id}: {found.status}")


def _utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
