"""Config commands: init, schema, check."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vmsdq.cli import main
from vmsdq.cli.errors import handled
from vmsdq.cli.options import PROJECT


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pack", default="vms", show_default=True, help="The packaged rule pack to copy.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(directory: Path, pack: str, force: bool) -> None:
    """Create a project in DIRECTORY from a packaged rule pack."""
    from vmsdq.spec.init import init_project

    with handled():
        written = init_project(directory, pack=pack, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"Project '{pack}' created in {directory}. Check it with: vmsdq check --project {directory}"
    )


@main.command()
@click.option(
    "--kind",
    type=click.Choice(["entity", "project"]),
    default="entity",
    show_default=True,
    help="Which file format to describe.",
)
def schema(kind: str) -> None:
    """Print the JSON Schema of the entity file or the project file."""
    from vmsdq.spec.schema import entity_json_schema, project_json_schema

    document = entity_json_schema() if kind == "entity" else project_json_schema()
    click.echo(json.dumps(document, indent=2))


@main.command()
@PROJECT
@click.option(
    "--data",
    is_flag=True,
    help="Also take field types from the source's schema and bind every rule to it "
    "(no row is read).",
)
def check(project_dir: Path, data: bool) -> None:
    """Validate the project's configuration (files and rule compilation) without reading data."""
    from vmsdq.services.project import check_project

    with handled():
        report = check_project(project_dir, data=data)
    click.echo(f"OK: {report.entities} entities, {report.rules} rules in {project_dir}")
