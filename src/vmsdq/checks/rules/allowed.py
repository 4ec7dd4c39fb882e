"""allowed: a present value must be one of a list (``ignore_case`` compares lowercase)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import lit


def compile_allowed(rule: FieldRule, ctx: RuleContext) -> Check:
    value: exp.Expr = ctx.column(rule.field)
    text = ctx.is_text(rule.field)
    items = [str(v) if text else v for v in rule.opts.values]
    if rule.opts.ignore_case and text:
        value = exp.Lower(this=value)
        items = [str(v).lower() for v in items]
    if not items:
        fails: exp.Expr = exp.true()
    else:
        fails = exp.Not(this=exp.In(this=value, expressions=[lit(v) for v in items]))
    return ctx.row_check(
        fails, applies=ctx.present(rule.field), values=[(rule.field, ctx.column(rule.field))]
    )
