"""unique: no two evaluated rows share the same values (within the same ``within`` group).

Rows are evaluated when every column (and ``within`` column) is present; every member of a
duplicate group fails. Counted with one window over the entity's rows.
"""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import all_of, lit
from vmsdq.spec.models import CompositeUniqueRule


def compile_unique(rule: FieldRule | CompositeUniqueRule, ctx: RuleContext) -> Check:
    if isinstance(rule, FieldRule):
        columns, within, ignore_case = [rule.field], rule.opts.within, rule.opts.ignore_case
        when = None
    else:
        columns, within, ignore_case = rule.columns, rule.within, False
        when = ctx.parse(rule.when) if rule.when else None
    names = list(dict.fromkeys([*columns, *within]))
    applies = all_of(ctx.present(name) for name in names)
    if when is not None:
        applies = exp.and_(applies, exp.paren(when))
    partition: list[exp.Expression] = [exp.func("COALESCE", applies.copy(), exp.false())]
    for name in names:
        value: exp.Expression = ctx.column(name)
        if ignore_case and ctx.is_text(name) and name in columns:
            value = exp.Lower(this=value)
        partition.append(value)
    count = exp.Window(this=exp.Count(this=exp.Star()), partition_by=partition)
    fails = exp.GT(this=count, expression=lit(1))
    return ctx.row_check(
        fails, applies=applies, values=[(name, ctx.column(name)) for name in names]
    )
