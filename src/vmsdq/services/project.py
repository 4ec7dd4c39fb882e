"""The project itself: checking its configuration, its entities and their rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.core.words import FieldType
from vmsdq.services.alert_rules import scope_errors
from vmsdq.services.context import load
from vmsdq.services.plan import plan_run
from vmsdq.sources.salesforce.checks import check_salesforce_mirrors
from vmsdq.spec.models import Project
from vmsdq.spec.source_types import project_with_column_types


@dataclass(frozen=True)
class CheckReport:
    project: Project
    entities: int
    rules: int


def check_project(project_dir: Path | str, *, data: bool = False) -> CheckReport:
    """Load and compile every entity; ConfigErrors lists every problem.

    With ``data``, field types come from the source's schema (as a run takes them) and every
    row check is bound against it, reading no row (``services.binding``).
    """
    project = load(project_dir)
    types: dict[str, dict[str, str]] = {}
    if data:
        types = _source_types(project)
        project = project_with_column_types(project, _typed(types))
    plan = plan_run(project, None)
    errors: list[ConfigError] = []
    for entity in plan.entities:
        if entity.error:
            errors.append(ConfigError(entity.error))
    errors += check_salesforce_mirrors(project)
    names = {c.name for e in plan.entities for compiled in e.compiled for c in compiled.checks}
    errors += scope_errors(project, list(project.spec.alerts.rules), names)
    if data and not errors:
        from vmsdq.services.binding import binding_errors

        errors += binding_errors(project, plan, types)
    if errors:
        raise ConfigErrors(errors)
    return CheckReport(project, len(plan.entities), sum(e.declared_rules for e in plan.entities))


def _source_types(project: Project) -> dict[str, dict[str, str]]:
    """Each entity's column types from the default source (a scratch context: no store)."""
    from vmsdq.services.context import scratch_context
    from vmsdq.services.sources import RunSources

    with RunSources(scratch_context(project), "check") as sources:
        types, _ = sources.column_types()
    return types


def _typed(types: dict[str, dict[str, str]]) -> dict[str, dict[str, FieldType]]:
    return {e: {f: FieldType(t) for f, t in fields.items()} for e, fields in types.items()}
