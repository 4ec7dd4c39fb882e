"""Field shorthand (``required: true``, ``format: email``, ``min: 0``...) expanded into rules.

The kinds and how each reads a field come from the registry (``vmsdq.spec.registry``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vmsdq.core.errors import ConfigError
from vmsdq.spec.models import EntitySpec, FieldSpec, RuleMeta
from vmsdq.spec.registry import Shorthand, shorthands
from vmsdq.spec.shorthand import rule_name


@dataclass(frozen=True)
class FieldRule:
    """A rule written as shorthand on one field; ``opts`` holds its options and metadata."""

    kind: str
    field: str
    opts: Any  # the kind's options model: RequiredOpts, FormatOpts, a plugin's, ...


@dataclass(frozen=True)
class PlannedRule:
    """A rule ready to compile: its kind, spec, metadata and default name."""

    kind: str
    spec: Any
    meta: RuleMeta
    name: str  # full name, {entity}.{...}
    on_key: bool = False  # a shorthand rule on the entity key (see RuleType.key_severity)
    index: int | None = None  # position under ``rules:`` (written rules)


def expand_entity(entity: EntitySpec) -> list[PlannedRule]:
    """Every enabled rule of ``entity``: field shorthand first (in field order), then ``rules:``."""
    kinds = shorthands()  # once per entity, not once per field
    planned = [
        _plan(entity, rule)
        for name, spec in entity.fields.items()
        for rule in expand_field(name, spec, kinds)
    ]
    for index, written in enumerate(entity.rules):
        full = f"{entity.entity}.{written.name}" if written.name else ""
        planned.append(PlannedRule(written.type, written, written, full, index=index))
    return [rule for rule in planned if rule.meta.enabled]


def expand_field(
    name: str, spec: FieldSpec, kinds: list[tuple[str, Shorthand]] | None = None
) -> Iterator[FieldRule]:
    """The shorthand rules of one field, in the order their kinds were registered
    (``kinds``: ``shorthands()``, when the caller has it)."""
    for kind, shorthand in shorthands() if kinds is None else kinds:
        try:
            options = shorthand.read(spec)
        except ConfigError as e:
            raise ConfigError(f"fields.{name}.{shorthand.key}: {e.message}") from None
        if options is not None:
            yield FieldRule(kind, name, options)


def _plan(entity: EntitySpec, rule: FieldRule) -> PlannedRule:
    meta: RuleMeta = rule.opts
    name = rule_name(entity.entity, rule.field, rule.kind, meta)
    return PlannedRule(rule.kind, rule, meta, name, on_key=rule.field in entity.key_fields)
