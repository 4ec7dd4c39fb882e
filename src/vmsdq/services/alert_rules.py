"""Alert rules in force: those of ``vmsdq.yaml`` (``alerts.rules``) with the API's changes.

A rule set through the API wins over the file's rule of the same name; deleting a rule the
file declares hides it (the file is never rewritten); deleting an API rule removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.services.context import Context
from vmsdq.services.plan import plan_run
from vmsdq.spec.alerts import AlertRuleSpec, EmailChannelSpec, WebhookChannelSpec
from vmsdq.spec.models import Project

YAML, API = "vmsdq.yaml", "api"


@dataclass(frozen=True)
class AlertRule:
    spec: AlertRuleSpec
    origin: str  # vmsdq.yaml | api


def rules_in_force(ctx: Context) -> list[AlertRule]:
    """Every alert rule, the file's first in file order, then those added through the API."""
    stored = {r.name: r for r in ctx.repos.alerts.rules()}
    out: list[AlertRule] = []
    for spec in ctx.project.spec.alerts.rules:
        found = stored.pop(spec.name, None)
        if found is None:
            out.append(AlertRule(spec, YAML))
        elif not found.deleted:
            out.append(AlertRule(_parse(ctx, found.definition, found.name), API))
    for found in stored.values():
        if not found.deleted:
            out.append(AlertRule(_parse(ctx, found.definition, found.name), API))
    return out


def list_rules(ctx: Context) -> list[AlertRule]:
    ctx.require("read")
    return rules_in_force(ctx)


def list_channels(ctx: Context) -> dict[str, EmailChannelSpec | WebhookChannelSpec]:
    """The alert channels of ``vmsdq.yaml``."""
    ctx.require("read")
    return dict(ctx.project.spec.alerts.channels)


def get_rule(ctx: Context, name: str) -> AlertRule:
    ctx.require("read")
    for rule in rules_in_force(ctx):
        if rule.spec.name == name:
            return rule
    raise NotFoundError(f"alert rule '{name}' does not exist; see GET /api/v1/alerts/rules")


def put_rule(ctx: Context, name: str, definition: dict[str, Any]) -> AlertRule:
    """Create or replace the rule ``name`` (admins only); a bad definition says what is wrong."""
    ctx.require("settings")
    spec = _parse(ctx, {**definition, "name": name}, name)
    problems = scope_errors(ctx.project, [spec], rule_names(ctx.project))
    if problems:
        raise problems[0]
    ctx.repos.alerts.put_rule(
        name, spec.model_dump(mode="json"), ctx.clock(), ctx.actor.name, deleted=False
    )
    return AlertRule(spec, API)


def delete_rule(ctx: Context, name: str) -> None:
    ctx.require("settings")
    get_rule(ctx, name)
    if any(r.name == name for r in ctx.project.spec.alerts.rules):
        ctx.repos.alerts.put_rule(name, {}, ctx.clock(), ctx.actor.name, deleted=True)
    else:
        ctx.repos.alerts.drop_rule(name)


def rule_names(project: Project) -> set[str]:
    """Every rule name the project's entities compile to."""
    plan = plan_run(project, None)
    return {c.name for e in plan.entities for compiled in e.compiled for c in compiled.checks}


def scope_errors(
    project: Project, rules: list[AlertRuleSpec], names: set[str] | None = None
) -> list[ConfigError]:
    """Alert rules watching an entity or rule the project does not have, and report schedules
    sending to channels that are not email channels (``vmsdq check`` lists them all)."""
    out = []
    for r in rules:
        entity, rule = r.scope.entity, r.scope.rule
        if entity is not None and entity not in project.entities:
            out.append(
                ConfigError(
                    f"alerts.rules '{r.name}': scope.entity '{entity}' is not an entity of the "
                    f"project (entities: {', '.join(sorted(project.entities))})"
                )
            )
        if rule is not None and names is not None and rule not in names:
            out.append(
                ConfigError(
                    f"alerts.rules '{r.name}': scope.rule '{rule}' is not a rule of the project "
                    "(see `vmsdq rules`)"
                )
            )
    channels = project.spec.alerts.channels
    emails = ", ".join(n for n, c in channels.items() if c.type == "email") or "none"
    for name, schedule in project.spec.reports.schedules.items():
        for channel in schedule.channels:
            if not isinstance(channels.get(channel), EmailChannelSpec):
                message = (
                    f"reports.schedules.{name}: channel '{channel}' is not an email channel "
                    f"of alerts.channels (email channels: {emails})"
                )
                out.append(ConfigError(message))
    return out


def _parse(ctx: Context, definition: dict[str, Any], name: str) -> AlertRuleSpec:
    try:
        spec = AlertRuleSpec.model_validate(definition)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        text = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"alert rule '{name}': {f'{where}: ' if where else ''}{text}") from None
    channels = ctx.project.spec.alerts.channels
    unknown = [c for c in spec.channels if c not in channels]
    if unknown:
        raise ConfigError(
            f"alert rule '{name}': unknown channels {unknown}; "
            f"alerts.channels declares: {sorted(channels) or 'none'}"
        )
    return spec
