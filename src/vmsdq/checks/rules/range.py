"""range: a present value must lie within [min, max] (``exclusive``: strictly inside)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import SQL_TYPES, typed_value


def compile_range(rule: FieldRule, ctx: RuleContext) -> Check:
    opts = rule.opts
    if opts.min is None and opts.max is None:
        raise ctx.error("range needs 'min' or 'max'")
    numbers = [b for b in (opts.min, opts.max) if isinstance(b, int | float)]
    if ctx.is_text(rule.field) and any(not isinstance(b, bool) for b in numbers):
        declared = "type" in ctx.field(rule.field).model_fields_set
        why = "declared 'type: string'" if declared else "no 'type:', none from the source"
        raise ctx.error(
            f"field '{rule.field}' is text ({why}): the bound {numbers[0]!r} would compare "
            "as text ('9' > '10'); declare 'type: integer' or 'type: number' (a run, and "
            "'vmsdq check --data', take it from a Parquet or SQL column)"
        )
    value = ctx.column(rule.field)
    sql_type = SQL_TYPES[ctx.field(rule.field).type]
    below = exp.LTE if opts.exclusive else exp.LT
    above = exp.GTE if opts.exclusive else exp.GT
    parts: list[exp.Expr] = []
    if opts.min is not None:
        parts.append(below(this=value.copy(), expression=typed_value(opts.min, sql_type)))
    if opts.max is not None:
        parts.append(above(this=value.copy(), expression=typed_value(opts.max, sql_type)))
    return ctx.row_check(
        exp.or_(*parts, copy=False),
        applies=ctx.present(rule.field),
        values=[(rule.field, value)],
    )
