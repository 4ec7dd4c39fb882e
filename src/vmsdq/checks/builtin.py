"""The shipped rule types, registered by vmsdq's own ``vmsdq.plugins`` entry point.

Order matters: field shorthand expands in this order (docs/rules.md), and the written types
are listed in this order in error messages and the JSON Schema.
"""

from __future__ import annotations

from vmsdq.checks.registry import register_rule_type
from vmsdq.checks.rules.aggregate import compile_aggregate
from vmsdq.checks.rules.allowed import compile_allowed
from vmsdq.checks.rules.count_compare import compile_row_count_compare
from vmsdq.checks.rules.drift import compile_drift
from vmsdq.checks.rules.expression import compile_expression
from vmsdq.checks.rules.format import compile_format
from vmsdq.checks.rules.json_text import compile_json
from vmsdq.checks.rules.length import compile_length
from vmsdq.checks.rules.metric import compile_metric
from vmsdq.checks.rules.monotonic import compile_monotonic
from vmsdq.checks.rules.range import compile_range
from vmsdq.checks.rules.reference import compile_reference, compile_references
from vmsdq.checks.rules.required import compile_required
from vmsdq.checks.rules.table import compile_freshness, compile_row_count
from vmsdq.checks.rules.transition import compile_transition
from vmsdq.checks.rules.type_ import compile_type
from vmsdq.checks.rules.unique import compile_unique
from vmsdq.core.words import Dimension as D
from vmsdq.core.words import Severity as S
from vmsdq.spec import data_rules as d
from vmsdq.spec import models as m
from vmsdq.spec.registry import Shorthand
from vmsdq.spec.shorthand import expand_range, expand_references, expand_type


def register() -> None:
    """Register every shipped rule type (called once per process by the plugin loader)."""
    register_rule_type(
        "required",
        compile_required,
        shorthand=Shorthand("required", m.RequiredOpts),
        dimension=D.completeness,
        severity=S.error,
        key_severity=S.critical,
    )
    register_rule_type(
        "type",
        compile_type,
        shorthand=Shorthand("check_type", m.TypeOpts, also=("type",), expand=expand_type),
        dimension=D.validity,
        severity=S.error,
    )
    register_rule_type(
        "format",
        compile_format,
        shorthand=Shorthand("format", m.FormatOpts, scalar="format"),
        dimension=D.validity,
        severity=S.warning,
    )
    register_rule_type(
        "allowed",
        compile_allowed,
        shorthand=Shorthand("allowed", m.AllowedOpts, scalar="values"),
        dimension=D.validity,
        severity=S.error,
    )
    register_rule_type(
        "range",
        compile_range,
        shorthand=Shorthand("range", m.RangeOpts, also=("min", "max"), expand=expand_range),
        dimension=D.validity,
        severity=S.error,
    )
    register_rule_type(
        "length",
        compile_length,
        shorthand=Shorthand("length", m.LengthOpts, scalar="max"),
        dimension=D.validity,
        severity=S.warning,
    )
    register_rule_type(
        "expression",
        compile_expression,
        spec=m.ExpressionRule,
        dimension=D.consistency,
        severity=S.error,
    )
    register_rule_type(
        "unique",
        compile_unique,
        spec=m.CompositeUniqueRule,
        shorthand=Shorthand("unique", m.UniqueOpts),
        dimension=D.uniqueness,
        severity=S.error,
        key_severity=S.critical,
    )
    register_rule_type(
        "references",
        compile_references,
        shorthand=Shorthand("references", m.ReferenceOpts, expand=expand_references),
        dimension=D.integrity,
        severity=S.error,
    )
    register_rule_type(
        "aggregate",
        compile_aggregate,
        spec=m.AggregateRule,
        dimension=D.consistency,
        severity=S.error,
    )
    register_rule_type(
        "reference",
        compile_reference,
        spec=m.ReferenceRule,
        dimension=D.integrity,
        severity=S.error,
    )
    register_rule_type(
        "row_count", compile_row_count, spec=m.RowCountRule, dimension=D.volume, severity=S.critical
    )
    register_rule_type(
        "freshness",
        compile_freshness,
        spec=m.FreshnessRule,
        dimension=D.timeliness,
        severity=S.warning,
    )
    register_rule_type(
        "transition",
        compile_transition,
        spec=m.TransitionRule,
        dimension=D.consistency,
        severity=S.error,
    )
    register_rule_type(
        "metric", compile_metric, spec=m.MetricRule, dimension=D.validity, severity=S.error
    )
    register_rule_type(
        "json",
        compile_json,
        shorthand=Shorthand(
            "json_text",  # not 'json': a pydantic model's method
            d.JsonOpts,
            value=bool | d.JsonOpts | None,
            description="Text must parse as JSON (and conform to 'schema', a JSON Schema).",
        ),
        dimension=D.validity,
        severity=S.error,
    )
    register_rule_type(
        "monotonic",
        compile_monotonic,
        spec=d.MonotonicRule,
        dimension=D.consistency,
        severity=S.error,
    )
    register_rule_type(
        "row_count_compare",
        compile_row_count_compare,
        spec=d.RowCountCompareRule,
        dimension=D.volume,
        severity=S.error,
    )
    register_rule_type(
        "drift",
        compile_drift,
        spec=d.DriftRule,
        dimension=D.consistency,
        severity=S.warning,
    )
