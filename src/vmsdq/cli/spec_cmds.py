"""Config commands: init, schema, check."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vmsdq.cli import collector, main
from vmsdq.cli.errors import handled
from vmsdq.cli.options import PROJECT


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pack", default=None, help="The packaged rule pack to copy (default: vms).")
@click.option(
    "--template",
    type=click.Choice(["blank"]),
    default=None,
    help="Start from a template instead: blank (one example entity).",
)
@click.option(
    "--from-data",
    "from_data",
    default=None,
    metavar="PATH",
    help="Infer entities, fields and types from a file, a folder or a database URL.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(
    directory: Path, pack: str | None, template: str | None, from_data: str | None, force: bool
) -> None:
    """Create a project in DIRECTORY from a rule pack, a template, or existing data."""
    from vmsdq.services.scaffold import init_from_data
    from vmsdq.spec.init import init_project, init_template

    chosen = [f"--{n}" for n, v in (("pack", pack), ("template", template)) if v is not None]
    chosen += ["--from-data"] if from_data is not None else []
    if len(chosen) > 1:
        raise click.UsageError(f"give one of {', '.join(chosen)}")
    notes: list[str] = []
    with handled():
        if template is not None:
            written = init_template(directory, template, force=force)
        elif from_data is not None:
            scaffold = init_from_data(directory, from_data, force=force)
            written, notes = scaffold.written, scaffold.notes
        else:
            written = init_project(directory, pack=pack or "vms", force=force)
    for path in written:
        click.echo(f"wrote {path}")
    for note in notes:
        click.echo(f"note: {note}")
    what = template or ("from-data" if from_data is not None else pack or "vms")
    click.echo(
        f"Project '{what}' created in {directory}. Check it with: vmsdq check --project {directory}"
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

    with collector.paused(), handled():  # vmsdq.cli.collector: why
        report = check_project(project_dir, data=data)
    click.echo(f"OK: {report.entities} entities, {report.rules} rules in {project_dir}")
