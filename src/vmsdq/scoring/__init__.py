"""Scores 0-100 per rule, entity x dimension, entity and overall; bands; explanations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vmsdq.core.scores import DimensionScore, EntityScore, RuleScore, RunScores
from vmsdq.scoring.bands import band_for, threshold_for
from vmsdq.scoring.compute import aggregate_entity, overall_score, score_run
from vmsdq.scoring.explain import Explanation, RuleGain, explain

if TYPE_CHECKING:
    from vmsdq.core.results import RunResult
    from vmsdq.spec.models import Project
    from vmsdq.store import ResultsStore


def persist_scores(store: ResultsStore, run: RunResult, project: Project) -> RunScores:
    """Score a saved run under the current config version, store the scores and anomalies."""
    from vmsdq.analytics.pipeline import persist_scores as _persist

    return _persist(store, run, project)


__all__ = [
    "DimensionScore",
    "EntityScore",
    "Explanation",
    "RuleGain",
    "RuleScore",
    "RunScores",
    "aggregate_entity",
    "band_for",
    "explain",
    "overall_score",
    "persist_scores",
    "score_run",
    "threshold_for",
]
