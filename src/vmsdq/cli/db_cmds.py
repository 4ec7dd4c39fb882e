"""``vmsdq db``: the results database's schema."""

from __future__ import annotations

from pathlib import Path

import click

from vmsdq.cli import main
from vmsdq.cli.errors import handled
from vmsdq.cli.options import PROJECT


@main.group()
def db() -> None:
    """The results database (set by store.url in vmsdq.yaml or $VMSDQ_DATABASE_URL)."""


@db.command("upgrade")
@PROJECT
def db_upgrade(project_dir: Path) -> None:
    """Bring the results database to the newest schema (run once per release)."""
    from vmsdq.services.admin import upgrade_database

    with handled():
        url, before, after = upgrade_database(project_dir)
    click.echo(f"{url}: schema {before or 'none'} -> {after}")


@db.command("current")
@PROJECT
def db_current(project_dir: Path) -> None:
    """Print the results database and its schema revision."""
    from vmsdq.services.admin import database_revision

    with handled():
        url, revision, head = database_revision(project_dir)
    state = "up to date" if revision == head else f"needs `vmsdq db upgrade` to {head}"
    click.echo(f"{url}: schema {revision or 'none'} ({state})")
