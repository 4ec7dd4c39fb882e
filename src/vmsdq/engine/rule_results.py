"""Rule results from counts, the same whichever backend counted."""

from __future__ import annotations

from vmsdq.checks.model import Check
from vmsdq.core.results import RuleResult
from vmsdq.core.words import Outcome, outcome_for


def row_rule(check: Check, evaluated: int, failed: int) -> RuleResult:
    """A row check's result: rows evaluated and rows failed."""
    result = RuleResult.for_check(check, Outcome.skipped)
    result.evaluated, result.failed = evaluated, failed
    _decide(result, check)
    return result


def table_rule(check: Check, observed: float | None, failed: bool) -> RuleResult:
    """A table check's result: one evaluation, the measured value, failed or not."""
    result = RuleResult.for_check(check, Outcome.skipped)
    result.evaluated, result.failed, result.observed = 1, int(failed), observed
    _decide(result, check)
    if failed and check.label:
        seen = "no value to measure" if observed is None else f"observed {observed:g}"
        result.message = "; ".join(m for m in (f"{check.label}: {seen}", result.message) if m)
    return result


def _decide(result: RuleResult, check: Check) -> None:
    """The outcome: from the rule's tolerance when it has one, else from its severity."""
    tolerance = check.tolerance
    if tolerance is None:
        result.outcome = outcome_for(check.severity, result.evaluated, result.failed)
        return
    result.outcome = tolerance.outcome(result.evaluated, result.failed)
    if result.failed and result.evaluated:
        share = 100.0 * result.failed / result.evaluated
        counts = f"{result.failed:,} of {result.evaluated:,} failed ({share:.4g}%)"
        result.message = f"{counts}: {tolerance.describe(result.outcome)}"
