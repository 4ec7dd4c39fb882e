"""aggregate: compare a field with a count or sum over related rows (0 when there are none)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.sql import SQL_TYPES, col, column_names, lit, relation_alias, typed_select
from vmsdq.spec.models import AggregateRule

COMPARE: dict[str, type[exp.Binary]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


def compile_aggregate(rule: AggregateRule, ctx: RuleContext) -> Check:
    related = ctx.target(rule.related)
    ctx.field(rule.foreign_key, related)
    key = ctx.one_key("an aggregate (one foreign_key)")
    key_type = SQL_TYPES[ctx.field(key).type]
    condition = ctx.parse(rule.where, entity=related, table="t") if rule.where else None
    reads = [rule.foreign_key, *([rule.column] if rule.column else []), *column_names(condition)]
    inner = typed_select(related, rule.related, dict.fromkeys(reads)).subquery("t", copy=False)
    fk = exp.cast(col(rule.foreign_key, "t"), key_type)
    query = (
        exp.select(
            exp.alias_(fk, "k", quoted=True, copy=False),
            exp.alias_(_function(rule, ctx), "agg", copy=False),
        )
        .from_(inner, copy=False)
        .group_by(fk.copy(), copy=False)
    )
    if condition is not None:
        query = query.where(condition, copy=False)
    alias = relation_alias(f"agg_{rule.related}", query)
    on = exp.EQ(this=ctx.column(key), expression=col("k", alias))
    agg = exp.func("COALESCE", col("agg", alias), lit(0))
    field = ctx.column(rule.field)
    compare = COMPARE[rule.compare](this=field.copy(), expression=agg)
    applies: exp.Expr = exp.Not(this=exp.Is(this=field.copy(), expression=exp.null()))
    if rule.when:
        applies = exp.and_(applies, exp.paren(ctx.parse(rule.when), copy=False), copy=False)
    label = f"{rule.function}({rule.related})"
    return ctx.row_check(
        exp.Not(this=exp.paren(compare, copy=False)),
        applies=applies,
        values=[(rule.field, field), (label, agg.copy())],
        relations=[Relation(alias, query, on)],
    )


def _function(rule: AggregateRule, ctx: RuleContext) -> exp.Expr:
    if rule.function == "count":
        return exp.Count(this=exp.Star())
    if not rule.column:
        raise ctx.error(f"function '{rule.function}' needs 'column'")
    related = ctx.target(rule.related)
    ctx.field(rule.column, related)
    value = col(rule.column, "t")
    if rule.function == "sum":
        return exp.Sum(this=value)
    return exp.Count(this=exp.Distinct(expressions=[value]))
