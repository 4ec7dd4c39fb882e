"""The mirror mapping in plain terms: mapped fields, tolerances, the filter on both sides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlglot import exp

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import FieldType
from vmsdq.reconcile.normalize import compare_value, normalize
from vmsdq.spec.mirror_where import literal_of, parse_where
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
    parsed = parse_where(entity.entity, mirror.where)  # SOQL: dates are unquoted
    by_theirs = {m.theirs: m for m in mapped_fields(entity)}
    by_theirs.setdefault(mirror.key, MappedField(mirror.match_on, mirror.key, FieldType.string))
    if any(c.name not in by_theirs for c in parsed.find_all(exp.Column)):
        return Filters(None, None)
    return Filters(_dated(parsed, theirs=True), _translate(_dated(parsed, theirs=False), by_theirs))


def _dated(where: exp.Expr, *, theirs: bool) -> exp.Expr:
    """SOQL date literals as typed DuckDB values; their (text) column read as that type."""
    tree = where.copy()
    for node in list(tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In)):
        values = node.expressions if isinstance(node, exp.In) else [node.expression]
        dated = [literal_of(v) for v in values]
        kinds = {d[0] for d in dated if d is not None}
        if not kinds or not isinstance(node.this, exp.Column):
            continue
        typed = [
            _typed_literal(d) if d is not None else v for v, d in zip(values, dated, strict=True)
        ]
        node.set(
            "expressions" if isinstance(node, exp.In) else "expression",
            typed if isinstance(node, exp.In) else typed[0],
        )
        if theirs:
            kind = FieldType.date if kinds == {"date"} else FieldType.timestamp
            step = Normalizer.date if kind is FieldType.date else Normalizer.utc
            node.set("this", compare_value(normalize(node.this.copy(), [step]), kind))
    return tree


def _typed_literal(literal: tuple[str, str]) -> exp.Expr:
    kind, text = literal
    if kind == "date":
        return exp.cast(exp.Literal.string(text), "DATE")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    naive = moment.replace(tzinfo=None).isoformat(sep=" ")  # UTC, as the utc normaliser gives
    return exp.cast(exp.Literal.string(naive), "TIMESTAMP")


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
