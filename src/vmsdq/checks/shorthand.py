"""Field shorthand (``required: true``, ``format: email``, ``min: 0``...) expanded into rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vmsdq.core.words import FieldType
from vmsdq.spec.models import (
    AllowedOpts,
    EntitySpec,
    FieldSpec,
    FormatOpts,
    LengthOpts,
    RangeOpts,
    ReferenceOpts,
    RequiredOpts,
    RuleMeta,
    TypeOpts,
    UniqueOpts,
)


@dataclass(frozen=True)
class FieldRule:
    """A rule written as shorthand on one field; ``opts`` holds its options and metadata."""

    kind: str
    field: str
    opts: Any  # RequiredOpts, TypeOpts, FormatOpts, AllowedOpts, RangeOpts, ...


@dataclass(frozen=True)
class PlannedRule:
    """A rule ready to compile: its kind, spec, metadata and default name."""

    kind: str
    spec: Any
    meta: RuleMeta
    name: str  # full name, {entity}.{...}
    on_key: bool = False  # a required/unique rule on the entity key (critical by default)
    index: int | None = None  # position under ``rules:`` (written rules)


def expand_entity(entity: EntitySpec) -> list[PlannedRule]:
    """Every enabled rule of ``entity``: field shorthand first (in field order), then ``rules:``."""
    planned = [
        _plan(entity, rule)
        for name, spec in entity.fields.items()
        for rule in expand_field(name, spec)
    ]
    for index, written in enumerate(entity.rules):
        full = f"{entity.entity}.{written.name}" if written.name else ""
        planned.append(PlannedRule(written.type, written, written, full, index=index))
    return [rule for rule in planned if rule.meta.enabled]


def expand_field(name: str, spec: FieldSpec) -> Iterator[FieldRule]:
    """The shorthand rules of one field, in the order of docs/rules.md."""
    if spec.required:
        yield FieldRule("required", name, _opts(spec.required, RequiredOpts))
    if spec.check_type and spec.type is not FieldType.string:
        yield FieldRule("type", name, _opts(spec.check_type, TypeOpts))
    if spec.format is not None:
        fmt = spec.format
        yield FieldRule(
            "format", name, fmt if isinstance(fmt, FormatOpts) else FormatOpts(format=fmt)
        )
    if spec.allowed is not None:
        allowed = spec.allowed
        opts = allowed if isinstance(allowed, AllowedOpts) else AllowedOpts(values=allowed)
        yield FieldRule("allowed", name, opts)
    if spec.range is not None or spec.min is not None or spec.max is not None:
        yield FieldRule("range", name, spec.range or RangeOpts(min=spec.min, max=spec.max))
    if spec.length is not None:
        length = spec.length
        yield FieldRule(
            "length", name, length if isinstance(length, LengthOpts) else LengthOpts(max=length)
        )
    if spec.unique:
        yield FieldRule("unique", name, _opts(spec.unique, UniqueOpts))
    if spec.references is not None:
        yield FieldRule("references", name, _reference(spec.references))


def _opts(value: Any, cls: type[RuleMeta]) -> Any:
    return value if isinstance(value, cls) else cls()


def _reference(value: str | ReferenceOpts) -> ReferenceOpts:
    if isinstance(value, ReferenceOpts):
        return value
    target, _, field = value.partition(".")  # "organization" or "organization.id"
    return ReferenceOpts(entity=target, field=field or None)


def _plan(entity: EntitySpec, rule: FieldRule) -> PlannedRule:
    meta: RuleMeta = rule.opts
    name = f"{entity.entity}.{meta.name or f'{rule.field}.{rule.kind}'}"
    on_key = rule.field == entity.key and rule.kind in ("required", "unique")
    return PlannedRule(rule.kind, rule, meta, name, on_key=on_key)
