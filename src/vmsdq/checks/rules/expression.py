"""expression: a business rule ``check`` that must hold on rows where ``when`` holds."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.sql import column_names
from vmsdq.spec.models import ExpressionRule


def compile_expression(rule: ExpressionRule, ctx: RuleContext) -> Check:
    """Evaluated where ``when`` is TRUE and ``check`` has a value (not NULL): a check over a
    NULL operand is not known, like a shorthand rule over an absent value (docs/rules.md)."""
    check = ctx.parse(rule.check)
    when = ctx.parse(rule.when) if rule.when else None
    names = list(rule.columns) or column_names(check, when)
    known: exp.Expr = exp.Not(
        this=exp.Is(this=exp.paren(check.copy(), copy=False), expression=exp.null())
    )
    return ctx.row_check(
        exp.Not(this=exp.paren(check, copy=False)),
        applies=exp.and_(exp.paren(when, copy=False), known, copy=False)
        if when is not None
        else known,
        values=[(name, ctx.column(name)) for name in names],
    )
