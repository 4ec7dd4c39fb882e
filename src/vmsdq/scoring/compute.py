"""Scores from a run's rule metrics. Pure functions: no I/O, no globals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from vmsdq.core.errors import ConfigError
from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.scores import (
    ERROR,
    SCORED,
    SKIPPED,
    UNSCORED,
    DimensionScore,
    EntityScore,
    RuleScore,
    RunScores,
)
from vmsdq.core.words import Dimension, Outcome
from vmsdq.scoring.bands import band_for, threshold_for
from vmsdq.spec.models import EntitySpec, ScoringSpec


def score_run(
    run: RunResult,
    scoring: ScoringSpec,
    entities: Mapping[str, EntitySpec],
    *,
    config_version: int | None = None,
    label: str = "as run",
) -> RunScores:
    """Score every entity of ``run`` and the run overall.

    Args:
        run: the validated run (rule metrics per entity).
        scoring: weights, thresholds and bands.
        entities: the project's entity specs (per-entity dimension weights and thresholds).
        config_version: the scoring config version used, recorded on the result.
        label: ``"as run"`` or e.g. ``"rescored under config v3"``.

    Raises:
        ConfigError: a dimension without a weight, a missing severity weight, a negative
            weight, or weights that are all zero where a mean is needed.
    """
    scored = {e.entity: score_entity(e, scoring, entities) for e in run.entities}
    overall = overall_score(scored.values())
    threshold = scoring.default_threshold
    return RunScores(
        run_id=run.run_id,
        overall=overall,
        overall_threshold=threshold,
        overall_band=band_for(overall, threshold, scoring.bands),
        entities=scored,
        config_version=config_version,
        label=label,
    )


def score_entity(
    result: EntityResult, scoring: ScoringSpec, entities: Mapping[str, EntitySpec]
) -> EntityScore:
    name = result.entity
    threshold = threshold_for(name, scoring, entities)
    weight = _nonnegative(scoring.entity_weights.get(name, 1.0), f"scoring.entity_weights.{name}")
    dim_weights = dimension_weights_for(name, scoring, entities)
    rules = tuple(score_rule(r, scoring) for r in result.rules)
    if result.status == "error":
        return EntityScore(
            name,
            None,
            threshold,
            None,
            weight,
            ERROR,
            result.message or "entity in error",
            dim_weights,
            {},
            rules,
        )
    dims, score = aggregate_entity(name, rules, dim_weights)
    status, message = SCORED, ""
    if score is None:
        status = UNSCORED
        message = "no rows: every rule was skipped" if not result.rows else "no rule was scored"
    band = band_for(score, threshold, scoring.bands)
    return EntityScore(
        name, score, threshold, band, weight, status, message, dim_weights, dims, rules
    )


def score_rule(result: RuleResult, scoring: ScoringSpec) -> RuleScore:
    sev_weight = scoring.severity_weights.get(result.severity)
    if sev_weight is None:
        raise ConfigError(
            f"scoring.severity_weights has no weight for severity '{result.severity}' "
            f"(rule '{result.rule}'); declared: {sorted(scoring.severity_weights)}"
        )
    _nonnegative(sev_weight, f"scoring.severity_weights.{result.severity}")
    _nonnegative(result.weight, f"weight of rule '{result.rule}'")
    score: float | None = None
    if result.outcome is Outcome.error:
        status = ERROR
    elif result.evaluated <= 0 or result.outcome is Outcome.skipped:
        status = SKIPPED
    elif result.outcome is Outcome.passed:  # failing rows within the rule's tolerance
        status, score = SCORED, 100.0
    else:
        status = SCORED
        failed = min(max(result.failed, 0), result.evaluated)
        score = 100.0 * (result.evaluated - failed) / result.evaluated
    return RuleScore(
        rule=result.rule,
        entity=result.entity,
        dimension=result.dimension,
        severity=result.severity,
        rule_weight=result.weight,
        severity_weight=sev_weight,
        evaluated=result.evaluated,
        failed=result.failed,
        score=score,
        status=status,
        message=result.message,
    )


def dimension_weights_for(
    entity: str, scoring: ScoringSpec, entities: Mapping[str, EntitySpec]
) -> dict[Dimension, float]:
    """``scoring.dimension_weights``, overridden per dimension by the entity's own weights."""
    weights = dict(scoring.dimension_weights)
    spec = entities.get(entity)
    if spec is not None and spec.dimension_weights:
        weights.update(spec.dimension_weights)
    for dim, w in weights.items():
        _nonnegative(w, f"dimension weight '{dim}' of entity '{entity}'")
    return weights


def aggregate_entity(
    entity: str, rules: Sequence[RuleScore], dim_weights: Mapping[Dimension, float]
) -> tuple[dict[Dimension, DimensionScore], float | None]:
    """Dimension scores (weighted mean of scored rules) and the entity score (weighted mean of
    scored dimensions). Used by :func:`score_run` and by explain's what-if re-scoring."""
    by_dim: dict[Dimension, list[RuleScore]] = {}
    for r in rules:
        by_dim.setdefault(r.dimension, []).append(r)
    dims = {d: _dimension(entity, d, rs, dim_weights) for d, rs in by_dim.items()}
    scored = [d for d in dims.values() if d.score is not None]
    if not scored:
        return dims, None
    total = sum(d.weight for d in scored)
    if total <= 0:
        listed = ", ".join(f"{d.dimension}={d.weight:g}" for d in scored)
        raise ConfigError(
            f"entity '{entity}': every scored dimension has weight 0 ({listed}); "
            "give at least one a positive weight in dimension_weights"
        )
    return dims, sum(d.weight * (d.score or 0.0) for d in scored) / total


def _dimension(
    entity: str, dim: Dimension, rules: list[RuleScore], dim_weights: Mapping[Dimension, float]
) -> DimensionScore:
    if dim not in dim_weights:
        raise ConfigError(
            f"entity '{entity}': dimension '{dim}' has rules but no weight; set "
            f"dimension_weights.{dim} in the entity file or scoring.dimension_weights in "
            f"vmsdq.yaml (weights are never implied); weighted: {sorted(dim_weights) or 'none'}"
        )
    scored = [r for r in rules if r.status == SCORED]
    names = tuple(r.rule for r in rules)
    if not scored:
        return DimensionScore(entity, dim, None, dim_weights[dim], 0.0, names)
    total = sum(r.weight for r in scored)
    if total <= 0:
        listed = ", ".join(f"{r.rule}={r.rule_weight:g}x{r.severity_weight:g}" for r in scored)
        raise ConfigError(
            f"entity '{entity}', dimension '{dim}': every evaluated rule has weight 0 "
            f"(rule weight x severity weight: {listed}); give at least one a positive weight"
        )
    score = sum(r.weight * (r.score or 0.0) for r in scored) / total
    return DimensionScore(entity, dim, score, dim_weights[dim], total, names)


def overall_score(entities: Iterable[EntityScore]) -> float | None:
    """Weighted mean of the scored entities; ``None`` when no entity has a score."""
    scored = [e for e in entities if e.score is not None]
    if not scored:
        return None
    total = sum(e.weight for e in scored)
    if total <= 0:
        listed = ", ".join(f"{e.entity}={e.weight:g}" for e in scored)
        raise ConfigError(
            f"scoring.entity_weights: every scored entity has weight 0 ({listed}); "
            "give at least one a positive weight"
        )
    return sum(e.weight * (e.score or 0.0) for e in scored) / total


def _nonnegative(value: float, what: str) -> float:
    if value < 0:
        raise ConfigError(f"{what} is {value:g}; weights must be >= 0")
    return value
