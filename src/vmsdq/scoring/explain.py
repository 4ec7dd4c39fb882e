"""How a score was computed, and which rules cost the most points."""

from __future__ import annotations

from dataclasses import dataclass, replace

from vmsdq.core.scores import SCORED, EntityScore, RuleScore, RunScores
from vmsdq.scoring.compute import aggregate_entity


@dataclass(frozen=True)
class RuleGain:
    """Points gained if ``rule`` passed on every evaluated row (re-scored at 100)."""

    rule: str
    entity: str
    score: float
    entity_gain: float
    overall_gain: float


@dataclass(frozen=True)
class Explanation:
    scores: RunScores
    entity: str | None
    gains: list[RuleGain]

    def render(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        s = self.scores
        out = [f"run {s.run_id} (config v{s.config_version or '?'}, {s.label})"]
        if self.entity is None:
            out += _overall_lines(s)
        for e in s.entities.values():
            if self.entity in (None, e.entity):
                out += _entity_lines(e)
        if self.gains:
            out.append("rules costing the most points:")
            out += [
                f"  fixing {g.rule} (now {g.score:.1f}) adds {g.entity_gain:.2f} points to "
                f"{g.entity} and {g.overall_gain:.2f} to overall"
                for g in self.gains
            ]
        return out


def explain(scores: RunScores, *, entity: str | None = None, top: int = 5) -> Explanation:
    """Explain ``scores`` (all entities, or one) and rank the rules by points they cost.

    Each gain is computed by re-scoring with that rule at 100, all else equal.
    """
    if entity is not None and entity not in scores.entities:
        raise KeyError(
            f"entity '{entity}' is not in run {scores.run_id}; "
            f"it has: {', '.join(scores.entities) or 'none'}"
        )
    gains = [
        rule_gain(scores, e, r)
        for e in scores.entities.values()
        if e.score is not None and entity in (None, e.entity)
        for r in e.rules
        if r.status == SCORED and r.score is not None and r.score < 100
    ]
    gains.sort(key=lambda g: (-g.entity_gain if entity else -g.overall_gain, g.rule))
    return Explanation(scores, entity, gains[:top])


def rule_gain(scores: RunScores, entity: EntityScore, rule: RuleScore) -> RuleGain:
    fixed = tuple(replace(r, score=100.0, failed=0) if r is rule else r for r in entity.rules)
    _, new_entity = aggregate_entity(entity.entity, fixed, entity.dimension_weights)
    new_entity = new_entity if new_entity is not None else 0.0
    old_entity = entity.score or 0.0
    overall_gain = 0.0
    if scores.overall is not None:
        total = sum(e.weight for e in scores.entities.values() if e.score is not None)
        overall_gain = entity.weight * (new_entity - old_entity) / total if total else 0.0
    return RuleGain(
        rule.rule, entity.entity, rule.score or 0.0, new_entity - old_entity, overall_gain
    )


def _overall_lines(s: RunScores) -> list[str]:
    scored = [e for e in s.entities.values() if e.score is not None]
    if s.overall is None:
        return ["overall: no score (no entity was scored)"]
    total = sum(e.weight for e in scored)
    terms = " + ".join(f"{e.score:.1f} x {e.weight:g}" for e in scored)
    return [
        f"overall {s.overall:.1f} ({s.overall_band}; threshold {s.overall_threshold:g})"
        f" = ({terms}) / {total:g}  [entity scores x entity weights]"
    ]


def _entity_lines(e: EntityScore) -> list[str]:
    if e.score is None:
        return [f"entity {e.entity}: no score ({e.status}: {e.message})"]
    out = [
        f"entity {e.entity} {e.score:.1f} ({e.band}; threshold {e.threshold:g})"
        " = weighted mean of dimension scores x dimension weights"
    ]
    for d in e.dimensions.values():
        if d.score is None:
            out.append(f"  {d.dimension}: no score (every rule skipped or in error)")
            continue
        out.append(
            f"  {d.dimension} {d.score:.1f} x weight {d.weight:g}"
            " = weighted mean of rule scores x (rule weight x severity weight)"
        )
        out += [_rule_line(r) for r in e.rules if r.dimension == d.dimension]
    return out


def _rule_line(r: RuleScore) -> str:
    if r.status != SCORED:
        why = "no rows evaluated" if r.status == "skipped" else (r.message or "error")
        return f"    {r.rule}: excluded ({r.status}: {why})"
    return (
        f"    {r.rule} {r.score:.1f} ({r.failed} of {r.evaluated} rows failed)"
        f" x {r.rule_weight:g} x {r.severity_weight:g} ({r.severity})"
    )
