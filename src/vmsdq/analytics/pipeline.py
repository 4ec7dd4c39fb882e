"""Score a stored run under a config version, store the scores, flag anomalies."""

from __future__ import annotations

from sqlalchemy import update

from vmsdq.analytics.anomalies import detect_for_run
from vmsdq.analytics.config_versions import ConfigVersion, current_config, get_config
from vmsdq.core.errors import ConfigError, TerminalError
from vmsdq.core.results import RunResult
from vmsdq.core.scores import AS_RUN, RunScores
from vmsdq.scoring.compute import score_run
from vmsdq.scoring.overrides import effective_entities
from vmsdq.spec.models import Project
from vmsdq.store import ResultsStore, ScoreRow
from vmsdq.store.models import Run


class RunNotFoundError(TerminalError):
    """A run id that the results database does not hold (for this tenant)."""


def persist_scores(store: ResultsStore, run: RunResult, project: Project) -> RunScores:
    """Score ``run`` (already saved) under the config in force, record the version on the run,
    save the scores labelled "as run" and the run's anomalies."""
    config = current_config(store, project.spec.scoring)
    run.config_version = config.version
    with store.session() as s:
        s.execute(
            update(Run)
            .where(Run.id == run.run_id, Run.tenant_id == store.tenant)
            .values(config_version=config.version)
        )
    entities = effective_entities(project.entities, config.settings.entities)
    scores = score_run(
        run, config.settings.scoring, entities, config_version=config.version, label=AS_RUN
    )
    save_run_scores(store, scores)
    detect_for_run(store, run.run_id, run.started_at, config.settings.analytics)
    return scores


def rescore(
    store: ResultsStore, run_id: str, project: Project, *, version: int | None = None
) -> RunScores:
    """Score an old run under config ``version`` (default: the one in force now), labelled
    "rescored under config vN" and stored next to its "as run" scores."""
    scores = compute_scores(store, run_id, project, version=version)
    save_run_scores(store, scores)
    return scores


def compute_scores(
    store: ResultsStore,
    run_id: str,
    project: Project,
    *,
    version: int | None = None,
    as_run: bool = False,
) -> RunScores:
    """Scores of a stored run without saving them: under config ``version``, or with
    ``as_run`` under the version the run recorded, else the one in force now."""
    run = store.get_run(run_id)
    if run is None:
        raise RunNotFoundError(f"run '{run_id}' is not in the results database")
    if as_run and version is None:
        version = run.config_version
    config = _config(store, project, version)
    same = config.version == run.config_version
    label = AS_RUN if same else f"rescored under config v{config.version}"
    return score_run(
        run,
        config.settings.scoring,
        effective_entities(project.entities, config.settings.entities),
        config_version=config.version,
        label=label,
    )


def save_run_scores(store: ResultsStore, scores: RunScores) -> None:
    """Store ``scores`` replacing only the rows with the same label."""
    kept = [r for r in store.scores(scores.run_id) if r.label != scores.label]
    store.save_scores(scores.run_id, kept + score_rows(scores))


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
        rows += [
            ScoreRow(
                "dimension",
                d.score,
                d.weight,
                e.entity,
                str(d.dimension),
                config_version=v,
                label=label,
            )
            for d in e.dimensions.values()
        ]
        rows += [
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
            for r in e.rules
        ]
    return rows


def _config(store: ResultsStore, project: Project, version: int | None) -> ConfigVersion:
    if version is None:
        return current_config(store, project.spec.scoring)
    found = get_config(store, version)
    if found is None:
        raise ConfigError(f"config version {version} does not exist; see `vmsdq settings history`")
    return found
