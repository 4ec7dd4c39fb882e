"""Registration of the shipped rule types, with their default dimension and severity."""

from __future__ import annotations

from vmsdq.checks.registry import register_rule_type
from vmsdq.checks.rules.aggregate import compile_aggregate
from vmsdq.checks.rules.allowed import compile_allowed
from vmsdq.checks.rules.expression import compile_expression
from vmsdq.checks.rules.format import compile_format
from vmsdq.checks.rules.length import compile_length
from vmsdq.checks.rules.range import compile_range
from vmsdq.checks.rules.reference import compile_reference, compile_references
from vmsdq.checks.rules.required import compile_required
from vmsdq.checks.rules.table import compile_freshness, compile_row_count
from vmsdq.checks.rules.transition import compile_transition
from vmsdq.checks.rules.type_ import compile_type
from vmsdq.checks.rules.unique import compile_unique
from vmsdq.core.words import Dimension as D
from vmsdq.core.words import Severity as S

register_rule_type("required", compile_required, dimension=D.completeness, severity=S.error)
register_rule_type("type", compile_type, dimension=D.validity, severity=S.error)
register_rule_type("format", compile_format, dimension=D.validity, severity=S.warning)
register_rule_type("allowed", compile_allowed, dimension=D.validity, severity=S.error)
register_rule_type("range", compile_range, dimension=D.validity, severity=S.error)
register_rule_type("length", compile_length, dimension=D.validity, severity=S.warning)
register_rule_type("unique", compile_unique, dimension=D.uniqueness, severity=S.error)
register_rule_type("references", compile_references, dimension=D.integrity, severity=S.error)
register_rule_type("reference", compile_reference, dimension=D.integrity, severity=S.error)
register_rule_type("expression", compile_expression, dimension=D.consistency, severity=S.error)
register_rule_type("aggregate", compile_aggregate, dimension=D.consistency, severity=S.error)
register_rule_type("transition", compile_transition, dimension=D.consistency, severity=S.error)
register_rule_type("row_count", compile_row_count, dimension=D.volume, severity=S.critical)
register_rule_type("freshness", compile_freshness, dimension=D.timeliness, severity=S.warning)
