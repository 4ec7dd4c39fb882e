"""``compile_entity``: an entity's declarations turned into the checks the engine runs."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, ColumnSpec, CompiledEntity
from vmsdq.checks.registry import get_rule_type
from vmsdq.checks.schema import compile_schema
from vmsdq.checks.shorthand import PlannedRule, expand_entity
from vmsdq.checks.sql import SQL_TYPES
from vmsdq.core.errors import ConfigError, ConfigErrors, Location
from vmsdq.core.tolerance import tolerance_of
from vmsdq.spec.models import EntitySpec


def compile_entity(
    entity: EntitySpec,
    entities: Mapping[str, EntitySpec],
    *,
    source_file: str = "",
    rule_locations: Mapping[str, str] | None = None,
) -> CompiledEntity:
    """Compile every enabled rule of ``entity`` (shorthand and written) into checks.

    Args:
        entity: the entity's declaration.
        entities: every entity of the project by name (targets of references, aggregates).
        source_file: the entity's YAML file, used in error messages and ``Check.source``.
        rule_locations: full rule name -> ``file:line:column`` (``Project.rule_locations``);
            more precise than ``source_file`` where known.

    Returns:
        The compiled entity; rule names are unique within it.

    Raises:
        ConfigErrors: every rule that does not compile (unknown field, sandbox refusal...).
    """
    checks: list[Check] = []
    errors: list[ConfigError] = []
    location = Location(source_file) if source_file else None
    for planned in expand_entity(entity):
        where = _location(rule_locations, planned.name) or location
        try:
            checks.append(_compile(planned, entity, entities, where))
        except ConfigErrors as many:
            errors.extend(many.errors)
        except ConfigError as error:
            errors.append(error)
    checks += compile_schema(entity, location, rule_locations)
    _check_names(checks, errors, location)
    if errors:
        raise ConfigErrors(errors)
    columns = tuple(
        ColumnSpec(name, spec.source_name or name, SQL_TYPES[spec.type], spec.allow_nonfinite)
        for name, spec in entity.fields.items()
    )
    needs = _needs(checks)
    renames = _source_columns(entity, entities, needs)
    parts = entity.key_fields
    composite = tuple(parts) if len(parts) > 1 else ()
    return CompiledEntity(
        entity.entity, parts[0], columns, tuple(checks), needs, renames, key_parts=composite
    )


def _source_columns(
    entity: EntitySpec, entities: Mapping[str, EntitySpec], needs: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """View -> field -> source column, for the fields whose column has another name."""
    out: dict[str, dict[str, str]] = {}
    for view in (entity.entity, *needs):
        spec = entity if view == entity.entity else entities.get(view)
        if spec is None:  # a previous snapshot or a mirror: DuckDB only, already renamed
            continue
        renamed = {
            n: f.source_name for n, f in spec.fields.items() if f.source_name not in (None, n)
        }
        if renamed:
            out[view] = renamed
    return out


def _compile(
    planned: PlannedRule,
    entity: EntitySpec,
    entities: Mapping[str, EntitySpec],
    location: Location | None,
) -> Check:
    if not planned.name:
        where = f"rules[{planned.index}] (type {planned.kind})"
        raise ConfigError(f"entity '{entity.entity}': {where} needs a 'name'", location)
    rule_type = get_rule_type(planned.kind)
    key_severity = rule_type.key_severity if planned.on_key else None
    default_severity = key_severity or rule_type.severity
    meta = planned.meta
    ctx = RuleContext(
        entity=entity,
        entities=entities,
        name=planned.name,
        kind=planned.kind,
        dimension=meta.dimension or rule_type.dimension,
        severity=meta.severity or default_severity,
        weight=meta.weight,
        description=meta.description or "",
        location=location,
        tolerance=tolerance_of(meta.fail_when, meta.warn_when, meta.mostly),
    )
    return rule_type.compile(planned.spec, ctx)


_LOCATION = re.compile(r"(.+?):(\d+)(?::(\d+))?")


def _location(locations: Mapping[str, str] | None, name: str) -> Location | None:
    """``file:line[:column]`` text back into a Location (None when unknown)."""
    text = (locations or {}).get(name)
    if not text:
        return None
    match = _LOCATION.fullmatch(text)
    if match is None:
        return Location(text)
    return Location(match[1], int(match[2]), int(match[3] or 0))


def _check_names(checks: list[Check], errors: list[ConfigError], location: Location | None) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            errors.append(ConfigError(f"rule name '{check.name}' is used twice", location))
        seen.add(check.name)


def _needs(checks: list[Check]) -> tuple[str, ...]:
    """Views other than the entity's own that the checks read (targets, previous snapshot)."""
    needs: dict[str, None] = {}
    for check in checks:
        for relation in check.relations:
            for table in relation.query.find_all(exp.Table):
                if table.name and table.name != check.entity and not table.name.startswith("__"):
                    needs[table.name] = None
    return tuple(needs)
