"""Plain records the store returns besides ``RunResult``, and their row conversions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run

if TYPE_CHECKING:
    from sqlalchemy import Row

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


def entity_values(run_id: str, position: int, e: EntityResult) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "position": position,
        "entity": e.entity,
        "rows": e.rows,
        "status": e.status,
        "message": e.message,
        "location": e.location,
        "failures_path": e.failures_path,
        "rejected": e.rejected,
        "seconds": e.seconds,
    }


def rule_values(run_id: str, position: int, e: EntityResult) -> list[dict[str, Any]]:
    return [
        {"run_id": run_id, "position": i, "entity_index": position, **r.to_dict()}
        for i, r in enumerate(e.rules)
    ]


RULE_COLUMNS = (  # what a RuleResult is rebuilt from (selected as columns by ``runs.get``)
    "entity_index",
    "position",
    "rule",
    "entity",
    "kind",
    "dimension",
    "severity",
    "weight",
    "evaluated",
    "failed",
    "outcome",
    "message",
    "observed",
)


def to_rule(row: RuleResultRow | Row[Any]) -> RuleResult:
    """A rule result from its stored row (an ORM object or a row of ``RULE_COLUMNS``)."""
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


def to_run(
    run: Run, entities: list[EntityResultRow], rules: Sequence[RuleResultRow | Row[Any]]
) -> RunResult:
    """Rebuild a run; each rule returns to the entity result it was saved under."""
    by_position = {
        e.position: EntityResult(
            entity=e.entity,
            rows=e.rows,
            status=e.status,
            message=e.message,
            location=e.location,
            failures_path=e.failures_path,
            rejected=e.rejected,
            seconds=e.seconds,
        )
        for e in entities
    }
    for rule in sorted(rules, key=lambda r: (r.entity_index, r.position)):
        owner = by_position.get(rule.entity_index)
        if owner is not None:
            owner.rules.append(to_rule(rule))
    return RunResult(
        run_id=run.id,
        tenant=run.tenant_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        entities=[by_position[k] for k in sorted(by_position)],
        config_version=run.config_version,
        message=run.message,
    )


def history_row(row: Sequence[Any]) -> RuleHistoryRow:
    """One history row from the stored columns, in ``RuleHistoryRow``'s field order (the
    select of ``ResultRepository.rule_history``)."""
    values = list(row)
    values[7:9] = [Dimension(values[7]), Severity(values[8])]
    values[13] = Outcome(values[13])
    return RuleHistoryRow(*values)


@dataclass(frozen=True)
class RunRollup:
    """Counts over a run's stored results that its verdict depends on."""

    errors: int  # entities and rules that could not be evaluated
    critical_failures: int  # critical rules whose outcome is failed
    failing: int  # rules whose outcome is failed or warn


@dataclass(frozen=True)
class RunSummary:
    """A run without its rule results: what lists of runs show (from the run row's counters)."""

    run_id: str
    project: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    config_version: int | None
    entity_count: int
    rule_count: int
    failed_rule_count: int
    message: str
    updated_at: datetime | None
    score: float | None = None  # overall score as run, when scored
    band: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """One phase of a run (``read`` of a view, ``validate`` of an entity) and its progress."""

    kind: str
    name: str
    status: str
    rows: int
    rules_total: int
    rules_done: int
    attempts: int
    message: str
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class StoredConfig:
    """One numbered version of the settings as stored (``settings`` is their JSON form)."""

    version: int
    settings: dict[str, Any]
    note: str
    created_at: datetime
    yaml_digest: str
