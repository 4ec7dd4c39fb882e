"""Options and helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from vmsdq.services.context import Context

PROJECT = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds vmsdq.yaml).",
)


def context(project_dir: Path) -> Context:
    """The project's context (call inside ``errors.handled()``)."""
    from vmsdq.services.context import open_context

    return open_context(project_dir)


def echo(lines: list[str]) -> None:
    click.echo("\n".join(lines))
