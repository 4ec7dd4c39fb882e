"""monotonic: a field only grows (or only shrinks) along an order, in each ``within`` group.

A window over the entity's evaluated rows (``field`` and every ``order_by`` and ``within``
column present, ``when`` TRUE) gives each row its predecessor's value, ``LAG(field) OVER
(PARTITION BY within ORDER BY order_by, key)``; it is one relation joined back on the key.
A row fails when it is smaller than its predecessor (``decreasing``: larger; ``strict``:
equal too). The first row of each group has no predecessor and passes. Rows with a NULL key
take no part; a repeated key keeps the predecessor that fails it most easily.
"""

from __future__ import annotations

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Relation
from vmsdq.checks.sql import all_of, col, column_names, is_present, relation_alias, typed_select
from vmsdq.spec.data_rules import MonotonicRule

PREVIOUS = "__previous"  # the offending value recorded for the predecessor


def compile_monotonic(rule: MonotonicRule, ctx: RuleContext) -> Check:
    entity = ctx.entity
    names = list(dict.fromkeys([rule.field, *rule.order_by, *rule.within]))
    for name in names:
        ctx.field(name)
    condition = ctx.parse(rule.when, table="t") if rule.when else None
    keys = entity.key_fields
    fields = dict.fromkeys([*keys, *names, *column_names(condition)])
    inner = typed_select(entity, entity.entity, fields).subquery("t", copy=False)
    window = exp.Window(
        this=exp.Anonymous(this="LAG", expressions=[col(rule.field, "t")]),
        partition_by=[col(n, "t") for n in rule.within] or None,
        order=exp.Order(expressions=[exp.Ordered(this=col(n, "t")) for n in rule.order_by]),
    )
    for k in keys:
        window.args["order"].append("expressions", exp.Ordered(this=col(k, "t")))
    conditions = [is_present(col(n, "t"), text=ctx.is_text(n)) for n in [*keys, *names]]
    conditions += [exp.paren(condition, copy=False)] if condition is not None else []
    ordered = (
        exp.select(
            *[
                exp.alias_(col(k, "t"), f"k{i}", quoted=True, copy=False)
                for i, k in enumerate(keys)
            ],
            exp.alias_(window, "prev", quoted=True, copy=False),
        )
        .from_(inner, copy=False)
        .where(all_of(conditions), copy=False)
        .subquery("w", copy=False)
    )
    # one row per key however often a key repeats: the predecessor that fails it most easily
    strongest = exp.Max if rule.direction == "increasing" else exp.Min
    query = (
        exp.select(
            *[
                exp.alias_(col(f"k{i}", "w"), f"k{i}", quoted=True, copy=False)
                for i in range(len(keys))
            ],
            exp.alias_(strongest(this=col("prev", "w")), "prev", quoted=True, copy=False),
        )
        .from_(ordered, copy=False)
        .group_by(*[col(f"k{i}", "w") for i in range(len(keys))], copy=False)
    )
    alias = relation_alias(f"mono_{entity.entity}", query)
    previous, value = col("prev", alias), ctx.column(rule.field)
    compare = {
        ("increasing", False): exp.LT,
        ("increasing", True): exp.LTE,
        ("decreasing", False): exp.GT,
        ("decreasing", True): exp.GTE,
    }[(rule.direction, rule.strict)]
    on = all_of(
        exp.EQ(this=ctx.column(k), expression=col(f"k{i}", alias)) for i, k in enumerate(keys)
    )
    return ctx.row_check(
        compare(this=value.copy(), expression=previous.copy()),
        applies=exp.Not(this=exp.Is(this=col("k0", alias), expression=exp.null())),
        values=[(f"{rule.field}{PREVIOUS}", previous), (rule.field, value)],
        relations=[Relation(alias, query, on)],
    )
