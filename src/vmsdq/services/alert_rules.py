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
from vmsdq.spec.alerts import AlertRuleSpec

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
