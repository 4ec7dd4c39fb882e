"""transition: allowed changes of a field between the previous snapshot and this one."""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.sql import col, is_present, lit, relation_alias, typed_select
from vmsdq.core.words import ViewRef, ViewRole
from vmsdq.spec.models import TransitionRule

PREVIOUS_VALUE = "__previous"  # the offending value recorded for the old state


def compile_transition(rule: TransitionRule, ctx: RuleContext) -> Check:
    entity = ctx.entity
    text = ctx.is_text(rule.field)
    view = ViewRef(entity.entity, ViewRole.previous).name
    inner = typed_select(entity, view, dict.fromkeys([entity.key, rule.field])).subquery("t")
    key = col(entity.key, "t")
    query = (
        exp.select(
            exp.alias_(key, "k", quoted=True), exp.alias_(exp.Min(this=col(rule.field, "t")), "old")
        )
        .from_(inner)
        .group_by(key.copy())
    )
    alias = relation_alias(f"prev_{entity.entity}", query)
    old, new = col("old", alias), ctx.column(rule.field)
    applies = exp.and_(
        exp.Not(this=exp.Is(this=col("k", alias), expression=exp.null())),
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
    on = exp.EQ(this=ctx.column(entity.key), expression=col("k", alias))
    return ctx.row_check(
        fails,
        applies=applies,
        values=[(f"{rule.field}{PREVIOUS_VALUE}", old), (rule.field, new)],
        relations=[Relation(alias, query, on)],
    )
