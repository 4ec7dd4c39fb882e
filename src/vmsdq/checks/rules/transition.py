"""transition: allowed changes of a field between the previous snapshot and this one."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.sql import all_of, col, is_present, lit, relation_alias, typed_select
from vmsdq.core.words import ViewRef, ViewRole
from vmsdq.spec.models import TransitionRule

PREVIOUS_VALUE = "__previous"  # the offending value recorded for the old state


def compile_transition(rule: TransitionRule, ctx: RuleContext) -> Check:
    entity = ctx.entity
    text = ctx.is_text(rule.field)
    view = ViewRef(entity.entity, ViewRole.previous).name
    keys = entity.key_fields
    inner = typed_select(entity, view, dict.fromkeys([*keys, rule.field])).subquery("t", copy=False)
    parts = [col(k, "t") for k in keys]
    query = (
        exp.select(
            *[exp.alias_(p, f"k{i}", quoted=True, copy=False) for i, p in enumerate(parts)],
            exp.alias_(exp.Min(this=col(rule.field, "t")), "old", copy=False),
        )
        .from_(inner, copy=False)
        .group_by(*[p.copy() for p in parts], copy=False)
    )
    alias = relation_alias(f"prev_{entity.entity}", query)
    old, new = col("old", alias), ctx.column(rule.field)
    applies = exp.and_(
        exp.Not(this=exp.Is(this=col("k0", alias), expression=exp.null())),
        is_present(old, text=text),
        is_present(new, text=text),
    )
    allowed = [
        exp.and_(
            exp.EQ(this=old.copy(), expression=lit(source)),
            exp.In(this=new.copy(), expression=None, expressions=[lit(t) for t in targets]),
        )
        for source, targets in rule.allowed.items()
        if targets
    ]
    permitted = exp.or_(*allowed) if allowed else exp.false()
    fails = exp.and_(
        exp.NEQ(this=new.copy(), expression=old.copy()), exp.Not(this=exp.paren(permitted))
    )
    on = all_of(
        exp.EQ(this=ctx.column(k), expression=col(f"k{i}", alias)) for i, k in enumerate(keys)
    )
    return ctx.row_check(
        fails,
        applies=applies,
        values=[(f"{rule.field}{PREVIOUS_VALUE}", old), (rule.field, new)],
        relations=[Relation(alias, query, on)],
    )
