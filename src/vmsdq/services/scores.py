"""Scores of runs: as run, rescored under another settings version, explained, previewed."""

from __future__ import annotations

from dataclasses import dataclass

from vmsdq.core.errors import NotFoundError
from vmsdq.core.results import RunResult
from vmsdq.core.scores import AS_RUN, RunScores
from vmsdq.scoring.compute import score_run
from vmsdq.scoring.explain import Explanation, explain
from vmsdq.scoring.overrides import effective_entities
from vmsdq.scoring.settings import Settings
from vmsdq.services import audit
from vmsdq.services.context import Context
from vmsdq.services.lookup import stored_run
from vmsdq.services.settings import (
    ConfigVersion,
    get_version,
    in_force,
    record_in_force,
    validate_change,
)
from vmsdq.store.records import ScoreRow


def score(ctx: Context, run: RunResult, config: ConfigVersion, label: str = AS_RUN) -> RunScores:
    """Scores of ``run`` under ``config`` (pure: nothing is stored)."""
    return _score(ctx, run, config.settings, config.version, label)


def save_as_run(ctx: Context, scores: RunScores) -> None:
    ctx.repos.scores.replace(scores.run_id, scores.label, score_rows(scores))


def scores_as_run(ctx: Context, run: RunResult) -> RunScores:
    """A stored run's scores under the settings version it recorded."""
    if run.config_version is None:
        return score(ctx, run, in_force(ctx))
    return score(ctx, run, _version_or_force(ctx, run.config_version))


def run_scores(ctx: Context, run_id: str, *, version: int | None = None) -> RunScores:
    """A run's scores as run, or under settings ``version`` (labelled as rescored)."""
    run = stored_run(ctx, run_id)
    if version is None:
        return scores_as_run(ctx, run)
    config = get_version(ctx, version)
    label = AS_RUN if version == run.config_version else f"rescored under config v{version}"
    return score(ctx, run, config, label)


def rescore(ctx: Context, run_id: str, *, version: int | None = None) -> RunScores:
    """Score a run again (under ``version``, default the settings in force now) and store the
    scores next to its "as run" ones."""
    ctx.require("run")
    run = stored_run(ctx, run_id)
    config = get_version(ctx, version) if version is not None else in_force(ctx)
    if not config.saved:
        config = record_in_force(ctx)
    label = (
        AS_RUN
        if config.version == run.config_version
        else (f"rescored under config v{config.version}")
    )
    scores = score(ctx, run, config, label)
    save_as_run(ctx, scores)
    audit.record(ctx, "run.rescore", run.run_id, version=config.version)
    return scores


def explain_run(
    ctx: Context, run_id: str, *, entity: str | None = None, top: int = 5
) -> Explanation:
    scores = run_scores(ctx, run_id)
    if entity is not None and entity not in scores.entities:
        raise NotFoundError(
            f"run '{scores.run_id}' has no entity '{entity}'; it has: "
            f"{', '.join(sorted(scores.entities))}"
        )
    return explain(scores, entity=entity, top=top)


@dataclass(frozen=True)
class ScorePreview:
    """How a run's scores would change if ``key`` were set to ``value``."""

    key: str
    value: str
    before: RunScores
    after: RunScores


def preview(ctx: Context, key: str, value: str, run_id: str = "latest") -> ScorePreview:
    """The latest (or given) run scored under the settings in force and under the change."""
    changed = validate_change(ctx, key, value)
    run = stored_run(ctx, run_id)
    current = in_force(ctx)
    before = _score(ctx, run, current.settings, current.version, "settings in force")
    after = _score(ctx, run, changed, None, f"with {key} = {value}")
    return ScorePreview(key, value, before, after)


def score_rows(scores: RunScores) -> list[ScoreRow]:
    v, label = scores.config_version, scores.label
    rows = [
        ScoreRow(
            "overall", scores.overall, 1.0, band=scores.overall_band, config_version=v, label=label
        )
    ]
    for e in scores.entities.values():
        rows.append(
            ScoreRow(
                "entity", e.score, e.weight, e.entity, band=e.band, config_version=v, label=label
            )
        )
        for d in e.dimensions.values():
            rows.append(
                ScoreRow(
                    "dimension",
                    d.score,
                    d.weight,
                    e.entity,
                    str(d.dimension),
                    config_version=v,
                    label=label,
                )
            )
        for r in e.rules:
            rows.append(
                ScoreRow(
                    "rule",
                    r.score,
                    r.weight,
                    e.entity,
                    str(r.dimension),
                    r.rule,
                    config_version=v,
                    label=label,
                )
            )
    return rows


def _score(
    ctx: Context, run: RunResult, settings: Settings, version: int | None, label: str
) -> RunScores:
    entities = effective_entities(ctx.project.entities, settings.entities)
    return score_run(run, settings.scoring, entities, config_version=version, label=label)


def _version_or_force(ctx: Context, version: int) -> ConfigVersion:
    try:
        return get_version(ctx, version)
    except NotFoundError:  # e.g. a --no-store run scored under a version never recorded
        return in_force(ctx)
