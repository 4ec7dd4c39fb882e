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
        fails: exp.Expr = exp.Is(this=raw.copy(), expression=exp.null())
    else:
        present = is_present(ctx.raw_text(rule.field), text=True, own=True)
        fails = exp.Not(this=exp.paren(present, copy=False))
        if not ctx.is_text(rule.field):
            fails = _unless_typed(ctx.column(rule.field), fails)
    return ctx.row_check(fails, values=[(rule.field, raw)])


def _unless_typed(typed: exp.Expr, fails: exp.Expr) -> exp.Expr:
    """A value that casts is present: only rows whose typed value is NULL read the raw text."""
    not_null = exp.Not(this=exp.Is(this=typed, expression=exp.null()))
    return exp.Case(ifs=[exp.If(this=not_null, true=exp.false())], default=fails)
