"""Tolerances of a rule: ``fail_when`` / ``warn_when`` conditions and ``mostly``.

A condition compares one measure of the rule's result with a number: ``failed > 0``,
``failed_percent > 1``, ``passed_percent < 99.5``. A rule with a tolerance gets its outcome
from it instead of from its severity (docs/rules.md, "Tolerances").
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from vmsdq.core.words import Outcome

MEASURES = ("failed", "failed_percent", "passed", "passed_percent")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
}
_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<|=)\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$")


@dataclass(frozen=True)
class Condition:
    """``<measure> <op> <value>``, e.g. ``failed_percent > 1``."""

    measure: str
    op: str
    value: float

    def holds(self, evaluated: int, failed: int) -> bool:
        measured = _measure(self.measure, evaluated, failed)
        return _OPS[self.op](measured, self.value)

    def __str__(self) -> str:
        return f"{self.measure} {self.op} {self.value:g}"


def parse_condition(text: str) -> Condition:
    """The condition ``text`` says; ValueError naming the accepted form otherwise."""
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(
            f"'{text}' is not a condition: write '<measure> <op> <number>', e.g. "
            f"'failed_percent > 1'; measures: {', '.join(MEASURES)}; "
            f"operators: {', '.join(_OPS)}"
        )
    measure, op, value = match[1], match[2], float(match[3])
    if measure not in MEASURES:
        raise ValueError(
            f"unknown measure '{measure}' in '{text}'; measures: {', '.join(MEASURES)}"
        )
    if measure.endswith("_percent") and value > 100:
        raise ValueError(f"'{text}': a percentage is at most 100")
    return Condition(measure, op, value)


@dataclass(frozen=True)
class Tolerance:
    """When a rule fails and when it warns, replacing the outcome its severity gives."""

    fail: Condition | None = None
    warn: Condition | None = None

    def outcome(self, evaluated: int, failed: int) -> Outcome:
        """``failed`` when ``fail`` holds, else ``warn`` when ``warn`` holds, else ``passed``
        (failing rows within the tolerance); ``skipped`` when nothing was evaluated."""
        if evaluated <= 0:
            return Outcome.skipped
        if self.fail is not None and self.fail.holds(evaluated, failed):
            return Outcome.failed
        if self.warn is not None and self.warn.holds(evaluated, failed):
            return Outcome.warn
        return Outcome.passed

    def describe(self, outcome: Outcome) -> str:
        """The message of a result whose outcome the tolerance decided."""
        if outcome is Outcome.failed and self.fail is not None:
            return f"fail_when {self.fail}"
        if outcome is Outcome.warn and self.warn is not None:
            return f"warn_when {self.warn}"
        parts = [
            f"fail_when {self.fail}" if self.fail else "",
            f"warn_when {self.warn}" if self.warn else "",
        ]
        return "within tolerance (" + ", ".join(p for p in parts if p) + ")"


def tolerance_of(
    fail_when: str | None, warn_when: str | None, mostly: float | None
) -> Tolerance | None:
    """The tolerance a rule declares, or None (its severity decides). ``mostly: 0.99`` is
    ``fail_when: passed_percent < 99``."""
    fail = parse_condition(fail_when) if fail_when else None
    if mostly is not None:
        fail = Condition("passed_percent", "<", round(mostly * 100, 9))
    warn = parse_condition(warn_when) if warn_when else None
    if fail is None and warn is None:
        return None
    return Tolerance(fail, warn)


def _measure(measure: str, evaluated: int, failed: int) -> float:
    if measure == "failed":
        return float(failed)
    if measure == "passed":
        return float(evaluated - failed)
    counted = failed if measure == "failed_percent" else evaluated - failed
    return 100.0 * counted / evaluated if evaluated else 0.0
