"""row_count_compare: this entity's row count against another entity's, with a tolerance.

A table rule: observed = this entity's rows (after ``where``); expected = ``ratio`` times the
other entity's rows (after ``entity_where``), read as a one-row relation. Fails when
``|observed - expected| > tolerance * expected`` (so with no rows on the other side, any row
here fails). A run that did not read the other entity gives outcome ``error``.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.sql import col, column_names, lit, relation_alias, typed_select
from vmsdq.spec.data_rules import RowCountCompareRule


def compile_row_count_compare(rule: RowCountCompareRule, ctx: RuleContext) -> Check:
    target = ctx.target(rule.entity)
    where = rule.entity_where
    condition = ctx.parse(where, entity=target, table="t") if where else None
    fields = list(dict.fromkeys([*target.key_fields, *column_names(condition)]))
    inner = typed_select(target, rule.entity, fields).subquery("t", copy=False)
    count = exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True, copy=False)
    other = exp.select(count).from_(inner, copy=False)
    if condition is not None:
        other = other.where(condition, copy=False)
    alias = relation_alias(f"count_{rule.entity}", other)
    metric: exp.Expr = exp.Count(this=exp.Star())
    if rule.where:
        metric = exp.Filter(this=metric, expression=exp.Where(this=ctx.parse(rule.where)))
    expected = exp.Mul(this=lit(rule.ratio), expression=exp.Subquery(this=other.copy()))
    difference = exp.Abs(this=exp.Sub(this=col("metric", None), expression=expected))
    allowed = exp.Mul(this=lit(rule.tolerance), expression=expected.copy())
    fails = exp.GT(this=difference, expression=allowed)
    check = ctx.table_check(metric, fails)
    return replace(check, relations=(Relation(alias, other, exp.true()),))
