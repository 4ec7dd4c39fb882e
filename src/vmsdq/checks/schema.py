"""Schema checks: an entity's ``schema:`` block compiled into one check per kind.

They are not queries: a backend compares each ``SchemaExpectation`` with the columns the
source delivers (``vmsdq.engine.schema``). Names: ``{entity}.schema.<kind>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from vmsdq.checks.model import Check, SchemaExpectation
from vmsdq.core.errors import Location
from vmsdq.core.words import Dimension
from vmsdq.spec.models import EntitySpec, SchemaSpec

KINDS = ("required_columns", "forbidden_columns", "types", "column_count", "order")


def compile_schema(
    entity: EntitySpec,
    location: Location | None = None,
    rule_locations: Mapping[str, str] | None = None,
) -> list[Check]:
    """The entity's schema checks, in the order of ``KINDS`` (none without ``schema:``);
    ``Check.source`` is the key's ``file:line:column`` where ``rule_locations`` knows it."""
    spec = entity.schema_
    if spec is None:
        return []
    checks = [_check(entity.entity, spec, e, location) for e in _expectations(spec)]
    known = rule_locations or {}
    return [replace(c, source=known[c.name]) if c.name in known else c for c in checks]


def _expectations(spec: SchemaSpec) -> list[SchemaExpectation]:
    found: list[SchemaExpectation] = []
    if spec.required_columns:
        found.append(SchemaExpectation("required_columns", tuple(spec.required_columns)))
    if spec.forbidden_columns:
        found.append(SchemaExpectation("forbidden_columns", tuple(spec.forbidden_columns)))
    if spec.types:
        types = tuple((column, str(kind)) for column, kind in spec.types.items())
        found.append(SchemaExpectation("types", types=types))
    if spec.column_count is not None:
        found.append(SchemaExpectation("column_count", count=spec.column_count))
    if spec.ordered:
        found.append(SchemaExpectation("order", tuple(spec.required_columns)))
    return found


def _check(
    entity: str, spec: SchemaSpec, expect: SchemaExpectation, location: Location | None
) -> Check:
    return Check(
        name=f"{entity}.schema.{expect.kind}",
        entity=entity,
        kind="schema",
        dimension=Dimension.validity,
        severity=spec.severity,
        weight=spec.weight,
        description=f"schema: {expect.kind.replace('_', ' ')}",
        scope="schema",
        source=str(location) if location else "",
        expect=expect,
    )
