"""Rule results from counts, the same whichever backend counted."""

from __future__ import annotations

from vmsdq.checks.model import Check
from vmsdq.core.results import RuleResult
from vmsdq.core.words import Outcome, outcome_for


def row_rule(check: Check, evaluated: int, failed: int) -> RuleResult:
    """A row check's result: rows evaluated and rows failed."""
    result = RuleResult.for_check(check, Outcome.skipped)
    result.evaluated, result.failed = evaluated, failed
    result.outcome = outcome_for(check.severity, evaluated, failed)
    return result


def table_rule(check: Check, observed: float | None, failed: bool) -> RuleResult:
    """A table check's result: one evaluation, the measured value, failed or not."""
    result = RuleResult.for_check(check, Outcome.skipped)
    result.evaluated, result.failed, result.observed = 1, int(failed), observed
    result.outcome = outcome_for(check.severity, 1, int(failed))
    return result
