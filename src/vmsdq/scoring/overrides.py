"""Runtime overrides of what entity files declare: an entity's threshold and dimension weights.

Entity files take precedence over ``scoring.thresholds`` and ``scoring.dimension_weights``;
``vmsdq settings set entities.<entity>.threshold 85`` takes precedence over the entity file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import Dimension
from vmsdq.spec.models import EntitySpec

DIMENSIONS = [d.value for d in Dimension]


class EntityOverride(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float | None = Field(default=None, ge=0, le=100)
    dimension_weights: dict[Dimension, float] = Field(default_factory=dict)


def set_entity_override(
    overrides: dict[str, Any], tail: str, value: Any, key: str, entities: Collection[str]
) -> None:
    """Apply ``entities.<entity>.threshold`` or ``entities.<entity>.dimension_weights.<dim>``
    to the JSON form of ``Settings.entities`` (``null`` removes the override)."""
    name, _, rest = tail.partition(".")
    if entities and name not in entities:
        raise ConfigError(
            f"settings: unknown entity '{name}' in '{key}'; known: {', '.join(sorted(entities))}"
        )
    entry = overrides.setdefault(name, {"threshold": None, "dimension_weights": {}})
    field, _, dim = rest.partition(".")
    if field == "threshold" and not dim:
        entry["threshold"] = value
    elif field == "dimension_weights" and dim in DIMENSIONS:
        if value is None:
            entry["dimension_weights"].pop(dim, None)
        else:
            entry["dimension_weights"][dim] = value
    else:
        raise ConfigError(
            f"settings: unknown key '{key}'; use entities.<entity>.threshold or "
            f"entities.<entity>.dimension_weights.<{'|'.join(DIMENSIONS)}>"
        )
    if entry["threshold"] is None and not entry["dimension_weights"]:
        overrides.pop(name)


def validate_overrides(overrides: Mapping[str, EntityOverride]) -> None:
    for name, o in overrides.items():
        for dim, w in o.dimension_weights.items():
            if w < 0:
                raise ConfigError(
                    f"settings: entities.{name}.dimension_weights.{dim} is {w:g}; "
                    "weights must be >= 0"
                )


def effective_entities(
    entities: Mapping[str, EntitySpec], overrides: Mapping[str, EntityOverride]
) -> dict[str, EntitySpec]:
    """Entity specs with the runtime overrides applied (the entity files are not touched)."""
    out = dict(entities)
    for name, o in overrides.items():
        spec = out.get(name)
        if spec is None:
            continue
        update: dict[str, Any] = {}
        if o.threshold is not None:
            update["threshold"] = o.threshold
        if o.dimension_weights:
            update["dimension_weights"] = {**(spec.dimension_weights or {}), **o.dimension_weights}
        out[name] = spec.model_copy(update=update)
    return out
