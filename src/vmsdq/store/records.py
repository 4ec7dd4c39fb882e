"""Plain records the store returns besides ``RunResult``, and their row conversions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run

LEVELS = ("rule", "dimension", "entity", "overall")


@dataclass(frozen=True)
class ScoreRow:
    """One stored score: ``level`` is rule, dimension, entity or overall."""

    level: str
    score: float | None
    weight: float = 1.0
    entity: str | None = None
    dimension: str | None = None
    rule: str | None = None
    band: str | None = None
    config_version: int | None = None
    label: str = ""

    @classmethod
    def coerce(cls, row: ScoreRow | Mapping[str, Any]) -> ScoreRow:
        """Accept a ``ScoreRow`` or a mapping with the same keys (unknown keys are an error)."""
        if isinstance(row, ScoreRow):
            found = row
        else:
            known = {f.name for f in fields(cls)}
            extra = sorted(set(row) - known)
            if extra:
                raise ValueError(f"score row has unknown keys {extra}; known: {sorted(known)}")
            found = cls(**row)
        if found.level not in LEVELS:
            raise ValueError(f"score level '{found.level}' is not one of {list(LEVELS)}")
        return found


@dataclass(frozen=True)
class RuleHistoryRow:
    """One rule's metrics in one run, for history and trend queries."""

    run_id: str
    started_at: datetime
    run_status: str
    config_version: int | None
    entity: str
    rule: str
    kind: str
    dimension: Dimension
    severity: Severity
    weight: float
    evaluated: int
    failed: int
    pass_rate: float | None
    outcome: Outcome
    observed: float | None


def run_values(run: RunResult, tenant: str) -> dict[str, Any]:
    rules = [r for e in run.entities for r in e.rules]
    return {
        "tenant_id": tenant,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "config_version": run.config_version,
        "entity_count": len(run.entities),
        "rule_count": len(rules),
        "failed_rule_count": sum(r.outcome in (Outcome.failed, Outcome.error) for r in rules),
    }


def entity_values(run: RunResult, tenant: str) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": tenant,
            "run_id": run.run_id,
            "position": i,
            "entity": e.entity,
            "rows": e.rows,
            "status": e.status,
            "message": e.message,
            "location": e.location,
            "failures_path": e.failures_path,
            "rejected": e.rejected,
            "seconds": e.seconds,
        }
        for i, e in enumerate(run.entities)
    ]


def rule_values(run: RunResult, tenant: str) -> list[dict[str, Any]]:
    rules = [(owner, r) for owner, e in enumerate(run.entities) for r in e.rules]
    return [
        {
            "tenant_id": tenant,
            "run_id": run.run_id,
            "position": i,
            "entity_index": owner,
            **r.to_dict(),
        }
        for i, (owner, r) in enumerate(rules)
    ]


def to_rule(row: RuleResultRow) -> RuleResult:
    return RuleResult(
        rule=row.rule,
        entity=row.entity,
        kind=row.kind,
        dimension=Dimension(row.dimension),
        severity=Severity(row.severity),
        weight=row.weight,
        evaluated=row.evaluated,
        failed=row.failed,
        outcome=Outcome(row.outcome),
        message=row.message,
        observed=row.observed,
    )


def to_run(run: Run, entities: list[EntityResultRow], rules: list[RuleResultRow]) -> RunResult:
    """Rebuild a run; each rule returns to the entity result it was saved under."""
    results = [
        EntityResult(
            entity=e.entity,
            rows=e.rows,
            status=e.status,
            message=e.message,
            location=e.location,
            failures_path=e.failures_path,
            rejected=e.rejected,
            seconds=e.seconds,
        )
        for e in sorted(entities, key=lambda e: e.position)
    ]
    for rule in sorted(rules, key=lambda r: r.position):
        results[rule.entity_index].rules.append(to_rule(rule))
    return RunResult(
        run_id=run.id,
        tenant=run.tenant_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        entities=results,
        config_version=run.config_version,
    )
