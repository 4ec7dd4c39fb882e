"""Change checks: a table check's observed value against its baseline from earlier runs.

Pure: the baseline (the previous completed run's value, or the mean of the last 7 days')
is looked up by the caller (``vmsdq.services.changes``) and given here.
"""

from __future__ import annotations

import math

from vmsdq.checks.model import Change, Check
from vmsdq.core.results import RuleResult
from vmsdq.core.words import Outcome, outcome_for

BASELINES = {"previous": "the previous run", "mean_7d": "the mean of the last 7 days"}
FIRST = {"previous": "no earlier completed run", "mean_7d": "no completed run in the last 7 days"}


def judge_change(result: RuleResult, check: Check, baseline: float | None) -> None:
    """Fail ``result`` when its observed value moved further from ``baseline`` than the
    check's ``change`` allows; a first run (no baseline) is skipped unless bounds decide."""
    change = check.change
    if change is None or result.outcome is Outcome.error:
        return
    against = BASELINES[change.compare_to]
    if result.observed is None or baseline is None:
        why = "no value to measure" if result.observed is None else FIRST[change.compare_to]
        _note(result, f"change not checked: {why}")
        if not change.bounded:
            result.outcome, result.evaluated, result.failed = Outcome.skipped, 0, 0
        return
    delta = result.observed - baseline
    moved = f"{_what(check)} {baseline:g} -> {result.observed:g} ({_percent(delta, baseline)})"
    limit = _exceeded(change, delta, baseline)
    if limit is None:
        _note(result, f"{moved} vs {against}")
        return
    result.failed = 1
    result.outcome = outcome_for(check.severity, 1, 1)
    if check.tolerance is not None:
        result.outcome = check.tolerance.outcome(1, 1)
    _note(result, f"{moved} vs {against}: more than {limit}")


def _exceeded(change: Change, delta: float, baseline: float) -> str | None:
    """The limit the move breaks, as text, or None."""
    if change.max_delta is not None and abs(delta) > change.max_delta:
        return f"max_delta {change.max_delta:g}"
    if change.max_percent is not None:
        percent = math.inf if baseline == 0 and delta else 0.0
        if baseline != 0:
            percent = 100.0 * abs(delta) / abs(baseline)
        if percent > change.max_percent:
            return f"max_percent {change.max_percent:g}%"
    return None


def _percent(delta: float, baseline: float) -> str:
    if baseline == 0:
        return "from 0" if delta else "no change"
    return f"{100.0 * delta / abs(baseline):+.3g}%"


def _what(check: Check) -> str:
    """``mean of hours`` from the label (which may go on with its bounds)."""
    return check.label.split(" between ")[0].split(" at ")[0] or check.name


def _note(result: RuleResult, message: str) -> None:
    result.message = "; ".join(m for m in (result.message, message) if m)
