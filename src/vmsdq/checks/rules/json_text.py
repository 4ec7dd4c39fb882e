"""json: a present text value must parse as JSON and, with ``schema``, conform to it.

Parsing is DuckDB's ``json_valid`` inside the entity's one pass. Conformance is the
``jsonschema`` library, run by the engine once per distinct value that parses (a strict
value table, like strict formats); a row fails when its value is in that table.
"""

from __future__ import annotations

import hashlib
import json

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation, StrictValues
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import col, relation_alias, table

SCHEMA_VALIDATOR = "json_schema:"  # + the schema as canonical JSON


def compile_json(rule: FieldRule, ctx: RuleContext) -> Check:
    if not ctx.is_text(rule.field):
        kind = ctx.field(rule.field).type
        raise ctx.error(f"'json_text' applies to string fields; '{rule.field}' is {kind}")
    value = ctx.column(rule.field)
    fails: exp.Expr = exp.Not(this=json_valid(value))
    relations: list[Relation] = []
    strict: list[StrictValues] = []
    if rule.opts.schema_ is not None:
        schema = json.dumps(rule.opts.schema_, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha1(schema.encode()).hexdigest()[:10]
        name = f"__strict_{ctx.entity.entity}_{rule.field}_json_{digest}"
        invalid = StrictValues(name, rule.field, SCHEMA_VALIDATOR + schema)
        query = exp.select(col("v", None)).from_(table(name))
        alias = relation_alias("strict", query)
        on = exp.EQ(this=value.copy(), expression=col("v", alias))
        relations.append(Relation(alias, query, on))
        strict.append(invalid)
        found = exp.Not(this=exp.Is(this=col("v", alias), expression=exp.null()))
        fails = exp.or_(fails, found)
    return ctx.row_check(
        fails,
        applies=ctx.present(rule.field),
        values=[(rule.field, value)],
        relations=relations,
        strict=strict,
    )


def json_valid(value: exp.Expr) -> exp.Expr:
    return exp.func("JSON_VALID", value.copy())
