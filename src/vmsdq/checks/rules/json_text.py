"""json: a present text value must parse as JSON and, with ``schema``, conform to it.

Parsing is DuckDB's ``json_valid`` inside the entity's one pass. DuckDB also accepts what
RFC 8259 does not (``NaN``, ``Infinity``, trailing commas), so the values it accepts that may
hold those, and with a ``schema`` every value it accepts, go to Python once per distinct
value (a strict value table, like strict formats): the standard library parses them strictly
and ``jsonschema`` checks conformance. A row fails when its value is in that table.
"""

from __future__ import annotations

import hashlib
import json

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation, StrictValues
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import col, relation_alias, table

STRICT_VALIDATOR = "json_strict"  # RFC 8259 only
SCHEMA_VALIDATOR = "json_schema:"  # + the schema as canonical JSON
LENIENT = r"(?i)nan|inf|,\s*[\]}]"  # what DuckDB accepts beyond RFC 8259 may contain these


def compile_json(rule: FieldRule, ctx: RuleContext) -> Check:
    if not ctx.is_text(rule.field):
        kind = ctx.field(rule.field).type
        raise ctx.error(f"'json_text' applies to string fields; '{rule.field}' is {kind}")
    value = ctx.column(rule.field)
    validator = STRICT_VALIDATOR
    if rule.opts.schema_ is not None:
        schema = json.dumps(rule.opts.schema_, sort_keys=True, separators=(",", ":"))
        validator = SCHEMA_VALIDATOR + schema
    digest = hashlib.sha1(validator.encode()).hexdigest()[:10]
    invalid = StrictValues(f"__strict_{ctx.entity.entity}_{rule.field}_json_{digest}",
                           rule.field, validator)  # fmt: skip
    query = exp.select(col("v", None)).from_(table(invalid.table))
    alias = relation_alias("strict", query)
    on = exp.EQ(this=value.copy(), expression=col("v", alias))
    found = exp.Not(this=exp.Is(this=col("v", alias), expression=exp.null()))
    return ctx.row_check(
        exp.or_(exp.Not(this=json_valid(value)), found),
        applies=ctx.present(rule.field),
        values=[(rule.field, value)],
        relations=[Relation(alias, query, on)],
        strict=[invalid],
    )


def json_valid(value: exp.Expr) -> exp.Expr:
    return exp.func("JSON_VALID", value.copy())


def to_python(validator: str, value: exp.Expr) -> exp.Expr:
    """The values Python must look at: DuckDB parses them, and they may hold what RFC 8259
    does not allow (or there is a schema to check)."""
    if validator.startswith(SCHEMA_VALIDATOR):
        return json_valid(value)
    lenient = exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(LENIENT))
    return exp.and_(json_valid(value), lenient)
