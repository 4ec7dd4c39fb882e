"""required: the raw value is present (not NULL, not blank unless ``allow_blank``)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import is_present


def compile_required(rule: FieldRule, ctx: RuleContext) -> Check:
    raw = ctx.raw(rule.field)
    if rule.opts.allow_blank:
        fails: exp.Expression = exp.Is(this=raw.copy(), expression=exp.null())
    else:
        fails = exp.Not(this=exp.paren(is_present(raw, text=True)))
    return ctx.row_check(fails, values=[(rule.field, raw)])
