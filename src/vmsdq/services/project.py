"""The project itself: checking its configuration, its entities and their rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.services.alert_rules import scope_errors
from vmsdq.services.context import load
from vmsdq.services.plan import plan_run
from vmsdq.sources.salesforce.checks import check_salesforce_mirrors
from vmsdq.spec.models import Project


@dataclass(frozen=True)
class CheckReport:
    project: Project
    entities: int
    rules: int


def check_project(project_dir: Path | str) -> CheckReport:
    """Load and compile every entity without reading data; ConfigErrors lists every problem."""
    project = load(project_dir)
    plan = plan_run(project, None)
    errors: list[ConfigError] = []
    for entity in plan.entities:
        if entity.error:
            errors.append(ConfigError(entity.error))
    errors += check_salesforce_mirrors(project)
    names = {c.name for e in plan.entities for compiled in e.compiled for c in compiled.checks}
    errors += scope_errors(project, list(project.spec.alerts.rules), names)
    if errors:
        raise ConfigErrors(errors)
    return CheckReport(project, len(plan.entities), sum(e.declared_rules for e in plan.entities))
