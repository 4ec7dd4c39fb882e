"""Small builders of runs and entity specs, for tests of scoring and analytics (ours and yours)."""

from __future__ import annotations

from datetime import UTC, datetime

from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.words import Dimension, Outcome, Severity, outcome_for
from vmsdq.spec.models import EntitySpec, FieldSpec

D, S = Dimension, Severity


def rule(
    name: str,
    dim: Dimension,
    sev: Severity,
    evaluated: int,
    failed: int,
    *,
    weight: float = 1.0,
    entity: str = "volunteer",
    error: str = "",
) -> RuleResult:
    outcome = Outcome.error if error else outcome_for(sev, evaluated, failed)
    return RuleResult(
        name, entity, "expression", dim, sev, weight, evaluated, failed, outcome, message=error
    )


def entity(name: str, rules: list[RuleResult], *, rows: int = 100, error: str = "") -> EntityResult:
    for r in rules:
        r.entity = name
    return EntityResult(name, rows, rules, status="error" if error else "ok", message=error)


def run(*entities: EntityResult, run_id: str = "r1", when: datetime | None = None) -> RunResult:
    started = when or datetime(2026, 11, 1, tzinfo=UTC)
    return RunResult(run_id, "default", started, started, "completed", list(entities))


def spec(
    name: str, weights: dict[Dimension, float] | None = None, threshold: float | None = None
) -> EntitySpec:
    return EntitySpec(
        entity=name,
        key="id",
        fields={"id": FieldSpec()},
        dimension_weights=weights,
        threshold=threshold,
    )
