"""Status bands and thresholds: the one definition used by the CLI, the API and the UI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vmsdq.core.errors import ConfigError
from vmsdq.spec.models import Band, EntitySpec, ScoringSpec


def band_for(score: float | None, threshold: float, bands: Sequence[Band]) -> str | None:
    """Name of the band ``score`` falls in: the one with the highest ``min_offset`` such that
    ``score >= threshold + min_offset``; the lowest band when none matches; ``None`` for no score.

    Args:
        score: 0-100, or None when there is no score.
        threshold: the entity's threshold (see :func:`threshold_for`).
        bands: ``ScoringSpec.bands`` in any order.
    """
    if score is None:
        return None
    if not bands:
        raise ConfigError("scoring.bands is empty; declare at least one band")
    ordered = sorted(bands, key=lambda b: b.min_offset, reverse=True)
    for band in ordered:
        if score >= threshold + band.min_offset:
            return band.name
    return ordered[-1].name


def threshold_for(
    entity: str, scoring: ScoringSpec, entities: Mapping[str, EntitySpec] | None = None
) -> float:
    """``EntitySpec.threshold``, else ``scoring.thresholds[entity]``, else ``default_threshold``."""
    spec = (entities or {}).get(entity)
    if spec is not None and spec.threshold is not None:
        return spec.threshold
    return scoring.thresholds.get(entity, scoring.default_threshold)
