"""The mirror mapping in plain terms: mapped fields, tolerances, the filter on both sides."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import FieldType
from vmsdq.spec.models import EntitySpec, MirrorField, MirrorSpec, Normalizer

PEOPLE = {"volunteer", "student", "teacher", "contact", "person"}
ORGANIZATIONS = {"organization", "school", "district", "account", "company"}
PEOPLE_TOLERANCE = 0.05
ORGANIZATION_TOLERANCE = 0.10
DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class MappedField:
    """One of our fields and its counterpart in the other system."""

    ours: str
    theirs: str
    type: FieldType
    normalize: tuple[Normalizer, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # theirs -> ours


def mirror_of(entity: EntitySpec) -> MirrorSpec:
    if entity.mirror is None:
        raise ConfigError(f"entity '{entity.entity}' declares no mirror")
    return entity.mirror


def mapped_fields(entity: EntitySpec) -> list[MappedField]:
    """Every mapped field except the key pair (match_on <-> key), in declared order."""
    mirror = mirror_of(entity)
    out = []
    for ours, theirs in mirror.fields.items():
        if ours not in entity.fields:
            raise ConfigError(
                f"entity '{entity.entity}': mirror.fields names '{ours}', which is not one of "
                f"its fields: {sorted(entity.fields)}"
            )
        spec = theirs if isinstance(theirs, MirrorField) else MirrorField(field=theirs)
        if ours == mirror.match_on and spec.field == mirror.key:
            continue
        out.append(
            MappedField(
                ours, spec.field, entity.fields[ours].type, tuple(spec.normalize), dict(spec.values)
            )
        )
    return out


def tolerance(entity: EntitySpec) -> float:
    """Allowed relative count difference: override, else 5% for people, 10% for organisations."""
    mirror = mirror_of(entity)
    if mirror.count_tolerance is not None:
        return mirror.count_tolerance
    names = {entity.entity, mirror.object.lower()}
    if names & ORGANIZATIONS:
        return ORGANIZATION_TOLERANCE
    if names & PEOPLE:
        return PEOPLE_TOLERANCE
    return DEFAULT_TOLERANCE


@dataclass(frozen=True)
class Filters:
    """The mirror's ``where`` over their columns and translated to ours (None: no filter)."""

    theirs: exp.Expr | None
    ours: exp.Expr | None


def filters(entity: EntitySpec) -> Filters:
    """Apply ``mirror.where`` on both sides when every column it names is mapped.

    A filter on an unmapped column (e.g. ``Contact_Type__c``) tells objects apart in the other
    system only; the source applies it (SOQL) and our side needs no counterpart.
    """
    mirror = mirror_of(entity)
    if not mirror.where:
        return Filters(None, None)
    try:
        parsed = sqlglot.parse_one(mirror.where, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"entity '{entity.entity}': mirror.where does not parse: {exc}") from None
    by_theirs = {m.theirs: m for m in mapped_fields(entity)}
    by_theirs.setdefault(mirror.key, MappedField(mirror.match_on, mirror.key, FieldType.string))
    if any(c.name not in by_theirs for c in parsed.find_all(exp.Column)):
        return Filters(None, None)
    return Filters(parsed, _translate(parsed, by_theirs))


def _translate(where: exp.Expr, by_theirs: dict[str, MappedField]) -> exp.Expr:
    """Rename their columns to ours and map picklist literals compared with them."""

    def mapped_literal(column: exp.Expr, node: exp.Expr) -> exp.Expr:
        spec = by_theirs[column.name] if isinstance(column, exp.Column) else None
        if spec and isinstance(node, exp.Literal) and node.is_string and node.this in spec.values:
            return exp.Literal.string(spec.values[node.this])
        return node

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.EQ | exp.NEQ) and isinstance(node.this, exp.Column):
            node.set("expression", mapped_literal(node.this, node.expression))
        if isinstance(node, exp.In) and isinstance(node.this, exp.Column):
            node.set("expressions", [mapped_literal(node.this, e) for e in node.expressions])
        if isinstance(node, exp.Column):
            return exp.column(exp.to_identifier(by_theirs[node.name].ours, quoted=True))
        return node

    return where.copy().transform(rewrite)
