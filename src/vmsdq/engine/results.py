"""What a validation run produces: per-rule metrics and per-entity outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from vmsdq.spec.models import Dimension, Severity

if TYPE_CHECKING:
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
