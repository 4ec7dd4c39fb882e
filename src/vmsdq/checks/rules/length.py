"""length: the character length of a present value must lie within [min, max]."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import cast, lit


def compile_length(rule: FieldRule, ctx: RuleContext) -> Check:
    opts = rule.opts
    if opts.min is None and opts.max is None:
        raise ctx.error("length needs 'min' or 'max'")
    value = ctx.column(rule.field)
    text = value if ctx.is_text(rule.field) else cast(value.copy(), "VARCHAR")
    length = exp.Length(this=text)
    parts: list[exp.Expr] = []
    if opts.min is not None:
        parts.append(exp.LT(this=length.copy(), expression=lit(opts.min)))
    if opts.max is not None:
        parts.append(exp.GT(this=length.copy(), expression=lit(opts.max)))
    return ctx.row_check(
        exp.or_(*parts, copy=False),
        applies=ctx.present(rule.field),
        values=[(rule.field, value)],
    )
