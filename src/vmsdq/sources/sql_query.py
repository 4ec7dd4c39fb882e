"""SQLGlot queries of the SQL source: which table or SELECT, which columns, renamed how."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlglot import exp

from vmsdq.core.errors import MissingColumnError
from vmsdq.core.words import FieldType
from vmsdq.spec.sandbox_source import parse_source_query, parse_table_name

if TYPE_CHECKING:
    from vmsdq.spec.models import EntitySpec


def entity_relation(
    source: str, entity: EntitySpec, schema: str | None, dialect: str
) -> tuple[exp.Expr, str]:
    """The FROM item for the entity and its name for messages.

    ``sources.<source>.table`` (default: the entity name) or ``sources.<source>.query``.
    """
    declared = entity.sources.get(source)
    if declared is not None and declared.query:
        parsed = parse_source_query(
            declared.query, entity=entity.entity, source=source, dialect=dialect
        )
        return exp.Subquery(this=parsed, alias=exp.TableAlias(this=exp.to_identifier("q"))), (
            f"query of entity '{entity.entity}'"
        )
    if declared is not None and declared.table:
        table = parse_table_name(
            declared.table, entity=entity.entity, source=source, dialect=dialect
        )
    else:
        table = exp.to_table(entity.entity, dialect=dialect)  # a pattern-checked name
    if schema and not table.db:
        table.set("db", exp.to_identifier(schema))
    return table, f"table '{table.sql(dialect=dialect)}'"


def match_column(wanted: str, available: list[str]) -> str | None:
    """The real column for a declared name: exact, else the only case-insensitive match."""
    if wanted in available:
        return wanted
    folded = [c for c in available if c.lower() == wanted.lower()]
    return folded[0] if len(folded) == 1 else None


def selected_fields(entity: EntitySpec) -> list[tuple[str, str]]:
    """(field name, column in the source) for every declared field."""
    return [(name, spec.source_name or name) for name, spec in entity.fields.items()]


def build_select(
    entity: EntitySpec,
    source: exp.Expr,
    available: list[str],
    *,
    where: str,
    as_double: Collection[str] = (),
) -> exp.Select:
    """SELECT "col" AS "field", ... FROM source; raises MissingColumnError on absent columns."""
    projections = []
    for field, column in selected_fields(entity):
        real = match_column(column, available)
        if real is None:
            raise MissingColumnError(entity.entity, column, where)
        value: exp.Expr = exp.column(real, quoted=True)
        if real in as_double and entity.fields[field].type is FieldType.number:
            value = exp.cast(value, "DOUBLE")
        projections.append(exp.alias_(value, field, quoted=True))
    return exp.select(*projections).from_(source)
