"""Scores 0-100 per rule, entity x dimension, entity and overall; bands; explanations."""

from __future__ import annotations

from vmsdq.core.scores import DimensionScore, EntityScore, RuleScore, RunScores
from vmsdq.scoring.bands import band_for, threshold_for
from vmsdq.scoring.compute import aggregate_entity, overall_score, score_run
from vmsdq.scoring.explain import Explanation, RuleGain, explain

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
    "score_run",
    "threshold_for",
]
