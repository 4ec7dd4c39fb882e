"""What a validation run produces: per-rule metrics and per-entity outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from vmsdq.core.words import Dimension, Outcome, Severity

if TYPE_CHECKING:
    from vmsdq.core.scores import RunScores


class RuleLike(Protocol):
    """What a result needs to know of a compiled rule (``vmsdq.checks.model.Check``)."""

    @property
    def name(self) -> str: ...
    @property
    def entity(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def dimension(self) -> Dimension: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def weight(self) -> float: ...


class Verdict(StrEnum):
    """The one answer to "did this run pass?", read by exit codes, the API and alerts."""

    passed = "passed"  # every evaluated rule passed
    warned = "warned"  # some rules found failing rows, none critical, score above the bar
    failed = "failed"  # a critical rule failed, or the score is under the bar
    incomplete = "incomplete"  # a rule or entity could not be evaluated


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
    def for_check(cls, check: RuleLike, outcome: Outcome, message: str = "") -> RuleResult:
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

    @property
    def has_errors(self) -> bool:
        """The entity, or one of its rules, could not be evaluated."""
        return self.status == "error" or any(r.outcome is Outcome.error for r in self.rules)


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
    message: str = ""  # why the run failed or was cancelled

    @property
    def rules(self) -> list[RuleResult]:
        return [r for e in self.entities for r in e.rules]

    @property
    def has_errors(self) -> bool:
        """Some entity or rule could not be evaluated: the run's answer is incomplete."""
        return any(e.has_errors for e in self.entities)

    @property
    def critical_failures(self) -> list[RuleResult]:
        return [
            r for r in self.rules if r.severity is Severity.critical and r.outcome is Outcome.failed
        ]

    @property
    def overall_score(self) -> float | None:
        return self.scores.overall if self.scores is not None else None

    def verdict(self, fail_under: float | None = None) -> Verdict:
        """``incomplete`` > ``failed`` (critical failure, or score under ``fail_under``) >
        ``warned`` (rows failed somewhere) > ``passed``."""
        if self.has_errors or self.status in ("failed", "cancelled"):
            return Verdict.incomplete
        score = self.overall_score
        below = fail_under is not None and (score is None or score < fail_under)
        if self.critical_failures or below:
            return Verdict.failed
        if any(r.outcome in (Outcome.failed, Outcome.warn) for r in self.rules):
            return Verdict.warned
        return Verdict.passed
