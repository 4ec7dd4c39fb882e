"""type: a present raw value must cast to the field's type (text sources such as CSV)."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import is_present


def compile_type(rule: FieldRule, ctx: RuleContext) -> Check:
    raw = ctx.raw(rule.field)
    typed = ctx.column(rule.field)
    return ctx.row_check(
        exp.Is(this=typed, expression=exp.null()),
        applies=is_present(raw, text=True),
        values=[(rule.field, raw)],
    )
