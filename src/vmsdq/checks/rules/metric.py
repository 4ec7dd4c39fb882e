"""Metric checks: one aggregate of a column, with bounds and/or a change limit.

Each is a table check: its aggregate joins the entity's one table-metrics query, so any
number of metrics costs one scan. NULLs never count as values; for text fields a blank
string (only spaces, tabs, newlines) is missing too, as for ``required`` (docs/rules.md).
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Change, Check
from vmsdq.checks.sql import col, lit
from vmsdq.core.words import Dimension, FieldType
from vmsdq.spec.models import COUNT_METRICS, NUMERIC_METRICS, MetricRule

NUMERIC = (FieldType.integer, FieldType.number)
DIMENSIONS = {
    "missing_count": Dimension.completeness,
    "missing_percent": Dimension.completeness,
    "distinct_count": Dimension.uniqueness,
    "duplicate_count": Dimension.uniqueness,
}


def compile_metric(rule: MetricRule, ctx: RuleContext) -> Check:
    kind = ctx.field(rule.field).type
    if rule.metric in NUMERIC_METRICS and kind not in NUMERIC:
        raise ctx.error(
            f"metric '{rule.metric}' needs a number field; '{rule.field}' is {kind} "
            f"(text fields take {', '.join(COUNT_METRICS)} and avg_length)"
        )
    metric = _aggregate(rule, ctx)
    check = ctx.table_check(metric, _fails(rule))
    return replace(
        check,
        dimension=rule.dimension or DIMENSIONS.get(rule.metric, ctx.dimension),
        label=_label(rule),
        change=_change(rule),
    )


def _aggregate(rule: MetricRule, ctx: RuleContext) -> exp.Expr:
    value = ctx.column(rule.field)
    present = ctx.present(rule.field)
    kept = exp.Case(ifs=[exp.If(this=present, true=value.copy())])  # NULL when missing
    where = exp.Where(this=ctx.parse(rule.where)) if rule.where else None

    def agg(node: exp.Expr) -> exp.Expr:
        return exp.Filter(this=node, expression=where.copy()) if where is not None else node

    name = rule.metric
    simple = {"min": exp.Min, "max": exp.Max, "mean": exp.Avg, "sum": exp.Sum,
              "stddev": exp.StddevSamp, "median": exp.Median}  # fmt: skip
    if name in simple:
        return agg(simple[name](this=value))
    if name == "quantile":
        ordered = exp.Order(expressions=[exp.Ordered(this=value)])
        cont = exp.PercentileCont(this=lit(rule.quantile))
        return agg(exp.WithinGroup(this=cont, expression=ordered))
    distinct = agg(exp.Count(this=exp.Distinct(expressions=[kept.copy()])))
    if name == "distinct_count":
        return distinct
    if name == "duplicate_count":  # values beyond the first of each distinct value
        return exp.Sub(this=agg(exp.Count(this=kept.copy())), expression=distinct)
    missing = agg(
        exp.Count(this=exp.Case(ifs=[exp.If(this=exp.not_(present.copy()), true=lit(1))]))
    )
    if name == "missing_count":
        return missing
    if name == "missing_percent":
        share = exp.Mul(this=exp.cast(missing, "DOUBLE"), expression=lit(100))
        rows = exp.Nullif(this=agg(exp.Count(this=exp.Star())), expression=lit(0))
        return exp.Div(this=share, expression=rows)
    text = kept if ctx.is_text(rule.field) else exp.cast(kept, "VARCHAR")
    return agg(exp.Avg(this=exp.Length(this=text)))  # avg_length of present values


def _change(rule: MetricRule) -> Change | None:
    change = rule.change
    if change is None:
        return None
    bounded = rule.min is not None or rule.max is not None
    return Change(change.compare_to, change.max_percent, change.max_delta, bounded)


def _fails(rule: MetricRule) -> exp.Expr:
    """Outside the bounds, or nothing to measure (no value) when bounds are set."""
    metric = col("metric", None)
    parts: list[exp.Expr] = []
    if rule.min is not None:
        parts.append(exp.LT(this=metric.copy(), expression=lit(rule.min)))
    if rule.max is not None:
        parts.append(exp.GT(this=metric.copy(), expression=lit(rule.max)))
    if not parts:
        return exp.false()
    return exp.or_(exp.Is(this=metric.copy(), expression=exp.null()), *parts)


def _label(rule: MetricRule) -> str:
    """What must hold, for messages: ``mean of hours between 0 and 10``."""
    what = rule.metric.replace("_", " ")
    if rule.metric == "quantile":
        what = f"{rule.quantile:g} quantile"
    label = f"{what} of {rule.field}"
    if rule.min is not None and rule.max is not None:
        return f"{label} between {rule.min:g} and {rule.max:g}"
    if rule.min is not None:
        return f"{label} at least {rule.min:g}"
    if rule.max is not None:
        return f"{label} at most {rule.max:g}"
    return label
