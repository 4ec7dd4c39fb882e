"""What scoring produces: scores per rule, entity x dimension, entity and overall (0-100)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vmsdq.core.words import Dimension, Severity

SCORED = "scored"
SKIPPED = "skipped"  # no row evaluated: excluded from every mean
ERROR = "error"  # rule (or entity) could not be evaluated: excluded, listed
UNSCORED = "unscored"  # entity whose rules were all skipped or errored
AS_RUN = "as run"  # label of the scores computed when the run was made


@dataclass(frozen=True)
class RuleScore:
    """One rule: ``score`` = 100 x passed / evaluated; ``weight`` = rule x severity weight."""

    rule: str
    entity: str
    dimension: Dimension
    severity: Severity
    rule_weight: float
    severity_weight: float
    evaluated: int
    failed: int
    score: float | None
    status: str = SCORED
    message: str = ""

    @property
    def weight(self) -> float:
        return self.rule_weight * self.severity_weight


@dataclass(frozen=True)
class DimensionScore:
    """Weighted mean of the scored rules of one dimension of one entity."""

    entity: str
    dimension: Dimension
    score: float | None
    weight: float  # the dimension's weight inside its entity
    rule_weight_total: float
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityScore:
    """Weighted mean of the scored dimensions; ``None`` when in error or nothing was scored."""

    entity: str
    score: float | None
    threshold: float
    band: str | None
    weight: float  # the entity's weight in the overall score
    status: str = SCORED
    message: str = ""
    dimension_weights: dict[Dimension, float] = field(default_factory=dict)
    dimensions: dict[Dimension, DimensionScore] = field(default_factory=dict)
    rules: tuple[RuleScore, ...] = ()


@dataclass(frozen=True)
class RunScores:
    """All scores of one run under one scoring config version.

    ``label`` says which config produced them: ``"as run"`` or ``"rescored under config vN"``.
    """

    run_id: str
    overall: float | None
    overall_threshold: float
    overall_band: str | None
    entities: dict[str, EntityScore]
    config_version: int | None = None
    label: str = "as run"

    @property
    def excluded_rules(self) -> list[RuleScore]:
        """Skipped and errored rules of every entity, in run order."""
        return [r for e in self.entities.values() for r in e.rules if r.status != SCORED]

    @property
    def unscored_entities(self) -> list[EntityScore]:
        """Entities without a score (in error, or no rule evaluated any row)."""
        return [e for e in self.entities.values() if e.score is None]

    def rule(self, name: str) -> RuleScore | None:
        for e in self.entities.values():
            for r in e.rules:
                if r.rule == name:
                    return r
        return None
