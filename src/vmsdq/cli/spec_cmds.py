"""Config commands: init, schema, check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vmsdq.cli import main
from vmsdq.cli.output import config_errors_exit
from vmsdq.core.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from vmsdq.spec.models import Project


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pack", default="vms", show_default=True, help="The packaged rule pack to copy.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(directory: Path, pack: str, force: bool) -> None:
    """Create a project in DIRECTORY from a packaged rule pack."""
    from vmsdq.spec.init import init_project

    try:
        written = init_project(directory, pack=pack, force=force)
    except ConfigError as exc:
        config_errors_exit(exc)
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
@click.option(
    "--project",
    "project_dir",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds vmsdq.yaml).",
)
def check(project_dir: Path) -> None:
    """Validate the project's configuration (files and rule compilation) without reading data."""
    from vmsdq.sources.salesforce.checks import check_salesforce_mirrors
    from vmsdq.spec.loader import load_project

    try:
        project = load_project(project_dir)
        rules = _compile_all(project)
        if mirrors := check_salesforce_mirrors(project):
            raise ConfigErrors(mirrors) if len(mirrors) > 1 else mirrors[0]
    except (ConfigError, ConfigErrors) as exc:
        config_errors_exit(exc)
    click.echo(f"OK: {len(project.entities)} entities, {rules} rules in {project_dir}")


def _compile_all(project: Project) -> int:
    """Compile every entity as a run would; the number of rules, or every compile error."""
    from vmsdq.checks import compile_entity

    rules, errors = 0, []
    for name, entity in project.entities.items():
        try:
            compiled = compile_entity(
                entity,
                project.entities,
                source_file=project.entity_files.get(name, ""),
                rule_locations=project.rule_locations,
            )
        except ConfigErrors as many:
            errors.extend(many.errors)
        except ConfigError as one:
            errors.append(one)
        else:
            rules += len(compiled.checks)
    if errors:
        raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
    return rules
