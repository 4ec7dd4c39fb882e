"""drift: the distribution of a field against the same entity in a reference run.

A table rule the engine computes in Python with scipy (``vmsdq.engine.drift``) from the
entity's rows and view ``<entity>__reference`` (the reference run's archived snapshot, put
there by the run). Without a reference the rule is ``skipped``.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from vmsdq.checks.context import RuleContext
from vmsdq.checks.model import Check, Distribution, Relation
from vmsdq.checks.sql import col, table
from vmsdq.core.words import FieldType, ViewRef, ViewRole
from vmsdq.spec.data_rules import DriftRule

NUMERIC = {FieldType.integer, FieldType.number, FieldType.date, FieldType.timestamp}
THRESHOLDS = {"ks": 0.1, "psi": 0.2, "chi_square": 0.05}  # D, PSI above; p-value below


def compile_drift(rule: DriftRule, ctx: RuleContext) -> Check:
    numeric = ctx.field(rule.field).type in NUMERIC
    method = rule.method or ("ks" if numeric else "chi_square")
    if method == "ks" and not numeric:
        kind = ctx.field(rule.field).type
        raise ctx.error(
            f"method 'ks' compares numbers, dates or timestamps; '{rule.field}' is {kind}"
        )
    references = sorted({r.reference for r in ctx.entity.rules if isinstance(r, DriftRule)})
    if len(references) > 1:
        raise ctx.error(
            f"the drift rules of one entity compare with one reference run; found {references}"
        )
    if method == "chi_square":
        numeric = False  # values are categories, whatever their type
    reference = ViewRef(ctx.entity.entity, ViewRole.reference).name
    distribution = Distribution(
        column=rule.field,
        reference=reference,
        method=method,
        threshold=rule.threshold if rule.threshold is not None else THRESHOLDS[method],
        numeric=numeric,
        bins=rule.bins,
    )
    # the relation names the reference view: the run reads it, and without it the rule skips
    query = exp.select(col(rule.field, None)).from_(table(reference)).limit(0)
    check = ctx.table_check(exp.null(), exp.false())
    return replace(
        check, distribution=distribution, relations=(Relation(reference, query, exp.true()),)
    )
