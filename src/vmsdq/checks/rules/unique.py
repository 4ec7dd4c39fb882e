"""unique: no two evaluated rows share the same values (within the same ``within`` group).

Rows are evaluated when every column (and ``within`` column) is present; every member of a
duplicate group fails. The duplicate groups are one GROUP BY ... HAVING COUNT(*) > 1 over the
entity's rows, LEFT JOINed back (cheaper than a window: the join carries no columns).
"""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import (
    all_of,
    col,
    column_names,
    is_present,
    lit,
    relation_alias,
    typed_select,
)
from vmsdq.spec.models import CompositeUniqueRule


def compile_unique(rule: FieldRule | CompositeUniqueRule, ctx: RuleContext) -> Check:
    if isinstance(rule, FieldRule):
        columns, within, ignore_case = [rule.field], rule.opts.within, rule.opts.ignore_case
        when = rule_when = None
    else:
        columns, within, ignore_case = rule.columns, rule.within, False
        rule_when = rule.when
    names = list(dict.fromkeys([*columns, *within]))
    lowered = {n for n in columns if ignore_case and ctx.is_text(n)}
    query = _duplicates(ctx, names, lowered, rule_when)
    alias = relation_alias(f"dup_{ctx.entity.entity}", query)
    on = all_of(
        exp.EQ(this=_key(ctx.column(n), n in lowered), expression=col(f"k{i}", alias))
        for i, n in enumerate(names)
    )
    applies = all_of(ctx.present(name) for name in names)
    if rule_when:
        when = ctx.parse(rule_when)
        applies = exp.and_(applies, exp.paren(when, copy=False), copy=False)
    return ctx.row_check(
        exp.Not(this=exp.Is(this=col("k0", alias), expression=exp.null())),
        applies=applies,
        values=[(name, ctx.column(name)) for name in names],
        relations=[Relation(alias, query, on)],
    )


def _duplicates(
    ctx: RuleContext, names: list[str], lowered: set[str], when: str | None
) -> exp.Select:
    """Value combinations shared by more than one evaluated row."""
    entity = ctx.entity
    condition = ctx.parse(when, table="t") if when else None
    fields = dict.fromkeys([*names, *column_names(condition)])
    inner = typed_select(entity, entity.entity, fields).subquery("t", copy=False)
    keys = [_key(col(n, "t"), n in lowered) for n in names]
    conditions = [is_present(col(n, "t"), text=ctx.is_text(n)) for n in names]
    if condition is not None:
        conditions.append(exp.paren(condition, copy=False))
    return (
        exp.select(*[exp.alias_(k, f"k{i}", quoted=True, copy=False) for i, k in enumerate(keys)])
        .from_(inner, copy=False)
        .where(all_of(conditions), copy=False)
        .group_by(*[k.copy() for k in keys], copy=False)
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=lit(1)))
    )


def _key(value: exp.Expr, lower: bool) -> exp.Expr:
    return exp.Lower(this=value) if lower else value
