"""Table rules: row_count and freshness (one aggregate each, evaluated once per entity)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.sql import NOW, col, lit
from vmsdq.spec.models import FreshnessRule, RowCountRule

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def compile_row_count(rule: RowCountRule, ctx: RuleContext) -> Check:
    if rule.min is None and rule.max is None:
        raise ctx.error("row_count needs 'min' or 'max'")
    metric: exp.Expr = exp.Count(this=exp.Star())
    if rule.where:
        metric = exp.Filter(this=metric, expression=exp.Where(this=ctx.parse(rule.where)))
    parts: list[exp.Expr] = []
    if rule.min is not None:
        parts.append(exp.LT(this=col("metric", None), expression=lit(rule.min)))
    if rule.max is not None:
        parts.append(exp.GT(this=col("metric", None), expression=lit(rule.max)))
    return ctx.table_check(metric, exp.or_(*parts, copy=False))


def compile_freshness(rule: FreshnessRule, ctx: RuleContext) -> Check:
    newest = exp.cast(exp.Max(this=ctx.column(rule.field)), "TIMESTAMP")
    now = exp.cast(exp.Placeholder(this=NOW), "TIMESTAMP")
    metric = exp.Sub(this=exp.func("EPOCH", now), expression=exp.func("EPOCH", newest))
    max_age = int(rule.max_age[:-1]) * SECONDS[rule.max_age[-1]]
    fails = exp.or_(
        exp.Is(this=col("metric", None), expression=exp.null()),
        exp.GT(this=col("metric", None), expression=lit(max_age)),
        copy=False,
    )
    return ctx.table_check(metric, fails)
