"""What a validation run produces: per-rule metrics and per-entity outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from vmsdq.spec.models import Dimension, Severity

if TYPE_CHECKING:
    from vmsdq.checks.model import Check
    from vmsdq.scoring.model import RunScores


class Outcome(StrEnum):
    passed = "passed"
    failed = "failed"  # failures on a critical or error rule
    warn = "warn"  # failures on a warning or info rule
    error = "error"  # the rule could not be evaluated; see message
    skipped = "skipped"  # no row was evaluated (empty entity, condition never true)


def outcome_for(severity: Severity, evaluated: int, failed: int) -> Outcome:
    if evaluated == 0:
        return Outcome.skipped
    if failed == 0:
        return Outcome.passed
    return Outcome.failed if severity in (Severity.critical, Severity.error) else Outcome.warn


@dataclass
class RuleResult:
    rule: str
    entity: str
    kind: str
    dimension: Dimension
    severity: Severity
    weight: float
    evaluated: int
    failed: int
    outcome: Outcome
    message: str = ""
    observed: float | None = None  # table rules: the measured value (row count, age in s)

    @classmethod
    def for_check(cls, check: Check, outcome: Outcome, message: str = "") -> RuleResult:
        """A result with nothing evaluated yet; ``outcome`` says why (skipped, error)."""
        return cls(
            rule=check.name,
            entity=check.entity,
            kind=check.kind,
            dimension=check.dimension,
            severity=check.severity,
            weight=check.weight,
            evaluated=0,
            failed=0,
            outcome=outcome,
            message=message,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values (enums as text), as the JSON output and the results store keep them."""
        return {
            "entity": self.entity,
            "rule": self.rule,
            "kind": self.kind,
            "dimension": str(self.dimension),
            "severity": str(self.severity),
            "weight": self.weight,
            "evaluated": self.evaluated,
            "failed": self.failed,
            "pass_rate": self.pass_rate,
            "outcome": str(self.outcome),
            "message": self.message,
            "observed": self.observed,
        }

    @property
    def pass_rate(self) -> float | None:
        """Share of evaluated rows that passed, 0..1; None when nothing was evaluated."""
        if self.evaluated == 0:
            return None
        return (self.evaluated - self.failed) / self.evaluated


@dataclass
class EntityResult:
    entity: str
    rows: int
    rules: list[RuleResult] = field(default_factory=list)
    status: str = "ok"  # ok | error (source or engine failure; message says why)
    message: str = ""
    location: str = ""  # where the rows came from
    failures_path: str | None = None  # Parquet file of failing rows (rule, key, values)
    rejected: int = 0  # records quarantined by the source
    seconds: float = 0.0


@dataclass
class RunResult:
    run_id: str
    tenant: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"  # running | completed | failed
    entities: list[EntityResult] = field(default_factory=list)
    config_version: int | None = None
    scores: RunScores | None = None  # set by the runner once the run is scored
    scoring_error: str = ""  # why the run has no scores (e.g. a weight config error)
