"""expression: a business rule ``check`` that must hold on rows where ``when`` holds."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.spec.models import ExpressionRule


def compile_expression(rule: ExpressionRule, ctx: RuleContext) -> Check:
    check = ctx.parse(rule.check)
    when = ctx.parse(rule.when) if rule.when else None
    names = list(rule.columns) or _columns(check, when)
    return ctx.row_check(
        exp.Not(this=exp.paren(check)),
        applies=when,
        values=[(name, ctx.column(name)) for name in names],
    )


def _columns(*expressions: exp.Expression | None) -> list[str]:
    """Fields an expression reads, in order of appearance (the values recorded per failure)."""
    names: dict[str, None] = {}
    for expression in expressions:
        if expression is not None:
            for column in expression.find_all(exp.Column):
                names[column.name] = None
    return list(names)
