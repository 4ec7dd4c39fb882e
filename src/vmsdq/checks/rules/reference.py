"""references (shorthand) and reference (written): foreign keys to another entity.

The target's keys (after its ``where``) become one DISTINCT relation, LEFT JOINed once per
reference (two fields referencing one entity join it twice, each on its own columns);
a present value fails when no target row matches.
"""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.shorthand import FieldRule
from vmsdq.checks.sql import SQL_TYPES, all_of, col, column_names, relation_alias, typed_select
from vmsdq.spec.models import ReferenceRule, default_target_columns


def compile_references(rule: FieldRule, ctx: RuleContext) -> Check:
    opts = rule.opts
    target = ctx.target(opts.entity)
    purpose = f"'references: {opts.entity}' without a target field"
    target_field = opts.field or ctx.one_key(purpose, target)
    return _reference(ctx, [rule.field], opts.entity, [target_field], opts.where, None)


def compile_reference(rule: ReferenceRule, ctx: RuleContext) -> Check:
    target = ctx.target(rule.entity)
    if rule.target_columns is not None:
        target_columns = rule.target_columns
    else:
        target_columns = default_target_columns(rule.columns, target)
    if len(target_columns) != len(rule.columns):
        raise ctx.error("'columns' and 'target_columns' must have the same length")
    return _reference(ctx, rule.columns, rule.entity, target_columns, rule.where, rule.when)


def _reference(
    ctx: RuleContext,
    columns: list[str],
    target_name: str,
    target_columns: list[str],
    where: str | None,
    when: str | None,
) -> Check:
    target = ctx.target(target_name)
    for name in target_columns:
        ctx.field(name, target)
    condition = ctx.parse(where, entity=target, table="t") if where else None
    fields = dict.fromkeys([*target_columns, *column_names(condition)])
    inner = typed_select(target, target_name, fields).subquery("t", copy=False)
    keys = [
        exp.alias_(
            exp.cast(col(t_col, "t"), SQL_TYPES[ctx.field(own).type], copy=False),
            f"k{i}",
            quoted=True,
            copy=False,
        )
        for i, (own, t_col) in enumerate(zip(columns, target_columns, strict=True))
    ]
    query = exp.select(*keys).distinct(copy=False).from_(inner, copy=False)
    if condition is not None:
        query = query.where(condition, copy=False)
    alias = relation_alias(f"ref_{target_name}", query, *(ctx.column(c) for c in columns))
    on = all_of(
        exp.EQ(this=ctx.column(own), expression=col(f"k{i}", alias))
        for i, own in enumerate(columns)
    )
    applies = all_of(ctx.present(name) for name in columns)
    if when:
        applies = exp.and_(applies, exp.paren(ctx.parse(when), copy=False), copy=False)
    return ctx.row_check(
        exp.Is(this=col("k0", alias), expression=exp.null()),
        applies=applies,
        values=[(name, ctx.column(name)) for name in columns],
        relations=[Relation(alias, query, on)],
    )
