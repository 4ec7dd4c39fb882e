"""Change checks judged against a baseline: limits, a zero baseline, a first run, bounds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vmsdq.checks.model import Change, Check
from vmsdq.core.results import RuleResult
from vmsdq.core.tolerance import tolerance_of
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.change import judge_change

CHECK = Check("t.m", "t", "metric", Dimension.validity, Severity.error, 1.0, "",
              scope="table", label="sum of hours at least 0")  # fmt: skip


def _judged(observed: float | None, baseline: float | None, change: Change) -> RuleResult:
    result = RuleResult.for_check(CHECK, Outcome.passed)
    result.evaluated, result.observed = 1, observed
    judge_change(result, replace(CHECK, change=change), baseline)
    return result


@pytest.mark.parametrize(
    ("observed", "baseline", "change", "outcome", "message"),
    [
        (110.0, 100.0, Change("previous", max_percent=10), Outcome.passed,
         "sum of hours 100 -> 110 (+10%) vs the previous run"),
        (111.0, 100.0, Change("previous", max_percent=10), Outcome.failed,
         "sum of hours 100 -> 111 (+11%) vs the previous run: more than max_percent 10%"),
        (94.0, 100.0, Change("mean_7d", max_delta=5), Outcome.failed,
         "sum of hours 100 -> 94 (-6%) vs the mean of the last 7 days: more than max_delta 5"),
        (1.0, 0.0, Change("previous", max_percent=1000), Outcome.failed,
         "sum of hours 0 -> 1 (from 0) vs the previous run: more than max_percent 1000%"),
        (0.0, 0.0, Change("previous", max_percent=0), Outcome.passed,
         "sum of hours 0 -> 0 (no change) vs the previous run"),
    ],
)  # fmt: skip
def test_limits(observed, baseline, change, outcome, message):
    result = _judged(observed, baseline, change)
    assert (result.outcome, result.message) == (outcome, message)
    assert result.failed == (1 if outcome is Outcome.failed else 0)


def test_a_first_run_is_skipped_unless_bounds_decide():
    alone = _judged(5.0, None, Change("previous", max_percent=10))
    assert (alone.outcome, alone.evaluated, alone.message) == (
        Outcome.skipped, 0, "change not checked: no earlier completed run")  # fmt: skip
    bounded = _judged(5.0, None, Change("mean_7d", max_percent=10, bounded=True))
    assert (bounded.outcome, bounded.evaluated, bounded.message) == (
        Outcome.passed, 1, "change not checked: no completed run in the last 7 days")  # fmt: skip


def test_a_tolerance_decides_a_broken_limit():
    check = replace(CHECK, change=Change("previous", max_delta=1),
                    tolerance=tolerance_of(None, "failed > 0", None))  # fmt: skip
    result = RuleResult.for_check(check, Outcome.passed)
    result.evaluated, result.observed = 1, 10.0
    judge_change(result, check, 1.0)
    assert (result.outcome, result.failed) == (Outcome.warn, 1)


def test_an_error_is_left_alone():
    result = RuleResult.for_check(CHECK, Outcome.error, "boom")
    judge_change(result, replace(CHECK, change=Change("previous", max_delta=1)), 1.0)
    assert (result.outcome, result.message) == (Outcome.error, "boom")
