"""SQLGlot building blocks shared by the rule compilers and the engine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlglot import exp

from vmsdq.checks.exact import data_type, exact_cast
from vmsdq.checks.model import BASE
from vmsdq.core.words import FieldType
from vmsdq.spec.models import EntitySpec

SQL_TYPES: dict[FieldType, str] = {
    FieldType.string: "VARCHAR",
    FieldType.integer: "BIGINT",
    FieldType.number: "DOUBLE",
    FieldType.boolean: "BOOLEAN",
    FieldType.date: "DATE",
    FieldType.timestamp: "TIMESTAMP",
}

RAW_SUFFIX = "__raw"  # base."<field>__raw": the source value as stored, before TRY_CAST
CONTENT = r"[^ \t\r\n]"  # RE2: a string with no such character is blank (not present)
NOW = "now"  # placeholder ($now) the engine replaces with the run's reference time


def col(name: str, table: str | None = BASE) -> exp.Column:
    """A quoted column reference, ``table."name"``."""
    owner = exp.Identifier(this=table, quoted=True) if table else None
    return exp.Column(this=exp.Identifier(this=name, quoted=True), table=owner)


def raw_col(name: str) -> exp.Column:
    """The raw text of field ``name`` (the engine adds it to ``base`` when a check uses it)."""
    return col(name + RAW_SUFFIX)


def lit(value: Any) -> exp.Expr:
    if type(value) is str:  # what exp.convert gives, without its checks (picklists: 40 each)
        return exp.Literal.string(value)
    return exp.convert(value)


def cast(value: exp.Expr, name: str) -> exp.Cast:
    """``CAST(value AS name)`` as ``exp.cast`` builds it, around ``value`` itself (no copy)."""
    to = data_type(name)
    node = exp.Cast(this=value, to=to)
    node.type = to
    return node


def is_present(value: exp.Expr, *, text: bool, own: bool = False) -> exp.Expr:
    """``value`` is not NULL and, for text, not blank after trimming BLANK_CHARS.

    ``own``: the caller hands ``value`` over (a node nothing else holds), so it is used in
    place once instead of copied (a copy costs several times a new column).
    """
    not_null = exp.Not(this=exp.Is(this=value.copy() if text or not own else value,
                                   expression=exp.null()))  # fmt: skip
    if not text:
        return not_null
    has_content = exp.RegexpLike(
        this=value if own else value.copy(), expression=exp.Literal.string(CONTENT)
    )
    return exp.And(this=not_null, expression=has_content)  # exp.and_ of two non-connectors


def all_of(conditions: Iterable[exp.Expr]) -> exp.Expr:
    items = list(conditions)
    return exp.and_(*items, copy=False) if items else exp.true()


def typed_value(value: Any, sql_type: str) -> exp.Expr:
    """A YAML scalar as a literal of the column's type (dates come as text or date objects)."""
    if isinstance(value, bool) or (
        isinstance(value, int | float) and sql_type in ("BIGINT", "DOUBLE")
    ):
        return lit(value)
    return cast(exp.Literal.string(str(value)), sql_type)


def typed_select(entity: EntitySpec, view: str, fields: Iterable[str] | None = None) -> exp.Select:
    """``SELECT <exact cast of field to type> AS field, ... FROM view`` for an entity's fields.

    The same exact casts as the entity's own rows (``checks.exact``): a relation (a unique
    group, a reference target, an order) never sees ``'17.5'`` as the integer 18 or
    ``'24-01-01'`` as the year 24 where the type rule calls them not of the type.

    Views hold the fields under their own names: every source renames ``source_name``
    columns when it reads them, and pushdown maps them back (``CompiledEntity.source_columns``).
    """
    names = list(fields) if fields is not None else list(entity.fields)
    projections = []
    for name in names:
        spec = entity.fields[name]
        source = col(name, table=None)  # sources name snapshot columns by field
        cast = exact_cast(source, SQL_TYPES[spec.type], nonfinite=spec.allow_nonfinite)
        projections.append(exp.alias_(cast, name, quoted=True, copy=False))
    return exp.select(*projections).from_(table(view), copy=False)


def table(name: str) -> exp.Table:
    """A quoted table (view) reference."""
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def column_names(*expressions: exp.Expr | None) -> list[str]:
    """Names of the columns the expressions read, in order of appearance."""
    names: dict[str, None] = {}
    for expression in expressions:
        if expression is not None:
            for column in expression.find_all(exp.Column):
                names[column.name] = None
    return list(names)


def relation_alias(prefix: str, query: exp.Query, *joined_on: exp.Expr) -> str:
    """A deterministic alias: identical relations get the same alias and are joined once.

    ``joined_on`` are the entity's own expressions the join matches (a reference's columns):
    the same target joined on other columns (a trip's origin and destination) is another
    relation and gets its own alias.
    """
    parts = [query.sql(dialect="duckdb"), *(e.sql(dialect="duckdb") for e in joined_on)]
    digest = hashlib.sha1("\n".join(parts).encode()).hexdigest()[:10]
    return f"{prefix}_{digest}"


def qualify(expression: exp.Expr, table: str) -> exp.Expr:
    """Qualify every unqualified column of ``expression`` with ``table``, in place (the
    sandbox hands every caller a tree of its own)."""

    if isinstance(expression, exp.Column):  # the root itself: a new node, as before
        return col(expression.name, table=table) if not expression.table else expression
    for node in list(expression.find_all(exp.Column)):
        if not node.table:  # what ``col`` builds, in place of a new node and a replace
            node.set("this", exp.Identifier(this=node.name, quoted=True))
            node.set("table", exp.Identifier(this=table, quoted=True))
    return expression
