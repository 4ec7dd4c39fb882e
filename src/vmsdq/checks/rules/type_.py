"""type: a present raw value must cast to the field's type (text sources such as CSV)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import is_present


def compile_type(rule: FieldRule, ctx: RuleContext) -> Check:
    typed = ctx.column(rule.field)
    not_null = exp.Not(this=exp.Is(this=typed.copy(), expression=exp.null()))
    # a value that casts is present; only rows whose typed value is NULL read the raw text
    applies = exp.Case(
        ifs=[exp.If(this=not_null, true=exp.true())],
        default=is_present(ctx.raw_text(rule.field), text=True, own=True),
    )
    return ctx.row_check(
        exp.Is(this=typed, expression=exp.null()),
        applies=applies,
        values=[(rule.field, ctx.raw(rule.field))],
    )
