"""Runtime settings: scoring weights, thresholds and bands plus analytics knobs.

Every change is validated here (Pydantic, then the rules a model cannot express) and stored
as a new numbered config version by ``vmsdq.analytics.config_versions``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import Dimension, Severity
from vmsdq.scoring.overrides import EntityOverride, set_entity_override, validate_overrides
from vmsdq.spec.models import ScoringSpec

MAP_KEYS = {  # key prefix -> what may follow the dot
    "severity_weights": [s.value for s in Severity],
    "dimension_weights": [d.value for d in Dimension],
    "entity_weights": None,  # entity names
    "thresholds": None,
    "bands": None,  # band names
}
SCALAR_KEYS = ["default_threshold", "target", "fail_under", "bands"]


class AnalyticsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    anomaly_sensitivity: float = Field(default=3.5, gt=0)  # robust z-score that flags a point
    anomaly_window_days: int = Field(default=42, ge=14)
    trend_tolerance: float = Field(default=0.1, ge=0)  # points/day within which "stable"


class Settings(BaseModel):
    """One config version: what ``vmsdq settings show`` prints."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scoring: ScoringSpec = Field(default_factory=ScoringSpec)
    analytics: AnalyticsSpec = Field(default_factory=AnalyticsSpec)
    entities: dict[str, EntityOverride] = Field(default_factory=dict)  # runtime overrides


def valid_keys() -> list[str]:
    what = {"entity_weights": "entity", "thresholds": "entity", "bands": "band name"}
    keys = [f"{k}.<{'|'.join(v) if v else what[k]}>" for k, v in MAP_KEYS.items()]
    overrides = ["entities.<entity>.threshold", "entities.<entity>.dimension_weights.<dimension>"]
    return keys + SCALAR_KEYS + overrides + list(AnalyticsSpec.model_fields)


def apply_setting(
    settings: Settings, key: str, raw: str, *, entities: Collection[str] = ()
) -> Settings:
    """A copy of ``settings`` with ``key`` set to ``raw`` (parsed as a YAML value; ``null``
    removes a map entry), validated.

    Raises:
        ConfigError: unknown key, a value of the wrong type or range, or a config that
            would not score (all weights zero, no band).
    """
    value = _parse(key, raw)
    data = settings.model_dump(mode="json")
    head, _, tail = key.partition(".")
    if head == "entities" and tail:
        set_entity_override(data["entities"], tail, value, key, entities)
    elif head in AnalyticsSpec.model_fields and not tail:
        data["analytics"][head] = value
    elif head == "bands" and tail:
        data["scoring"]["bands"] = _set_band(data["scoring"]["bands"], tail, value, key)
    elif head in MAP_KEYS and tail:
        _set_map_entry(data["scoring"], head, tail, value, key, entities)
    elif head in SCALAR_KEYS and not tail:
        data["scoring"][head] = _bands_value(value, key) if head == "bands" else value
    else:
        raise ConfigError(f"settings: unknown key '{key}'; valid keys: {', '.join(valid_keys())}")
    try:
        new = Settings.model_validate(data)
    except ValidationError as exc:
        detail = "; ".join(e["msg"] for e in exc.errors())
        raise ConfigError(f"settings: {key} = {raw!r} is not valid: {detail}") from None
    validate_settings(new, entities=entities)
    return new


def validate_settings(settings: Settings, *, entities: Collection[str] = ()) -> None:
    """What the Pydantic models cannot check: signs, known names, something to score with."""
    s = settings.scoring
    for name, weights in (
        ("severity_weights", s.severity_weights),
        ("dimension_weights", s.dimension_weights),
        ("entity_weights", s.entity_weights),
    ):
        for k, w in weights.items():
            if w < 0:
                raise ConfigError(f"settings: {name}.{k} is {w:g}; weights must be >= 0")
        if weights and not any(weights.values()):
            raise ConfigError(f"settings: every {name} entry is 0; at least one must be > 0")
    for entity, t in s.thresholds.items():
        if not 0 <= t <= 100:
            raise ConfigError(f"settings: thresholds.{entity} is {t:g}; it must be 0..100")
    known = set(entities)
    for name in ("entity_weights", "thresholds"):
        unknown = sorted(set(getattr(s, name)) - known) if known else []
        if unknown:
            raise ConfigError(
                f"settings: {name} names unknown entities {unknown}; known: {sorted(known)}"
            )
    validate_overrides(settings.entities)
    names = [b.name for b in s.bands]
    if not names:
        raise ConfigError("settings: bands is empty; declare at least one band")
    if len(set(names)) != len(names):
        raise ConfigError(f"settings: band names must be unique, got {names}")


def flatten(settings: Settings) -> dict[str, Any]:
    """``key -> value`` in the form ``vmsdq settings set`` takes."""
    data = settings.model_dump(mode="json")
    out: dict[str, Any] = {}
    for key, value in data["scoring"].items():
        if key == "bands":
            out |= {f"bands.{b['name']}": b["min_offset"] for b in value}
        elif isinstance(value, dict):
            out |= {f"{key}.{k}": v for k, v in value.items()}
        else:
            out[key] = value
    for name, o in data["entities"].items():
        if o["threshold"] is not None:
            out[f"entities.{name}.threshold"] = o["threshold"]
        out |= {
            f"entities.{name}.dimension_weights.{d}": w for d, w in o["dimension_weights"].items()
        }
    out.update(data["analytics"])
    return out


def _parse(key: str, raw: str) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"settings: {key} = {raw!r} is not a valid value: {exc}") from None


def _set_map_entry(
    scoring: dict[str, Any],
    head: str,
    tail: str,
    value: Any,
    key: str,
    entities: Collection[str],
) -> None:
    allowed = MAP_KEYS[head] or sorted(entities)
    if allowed and tail not in allowed:
        raise ConfigError(f"settings: unknown key '{key}'; '{head}' takes: {', '.join(allowed)}")
    if value is None:
        scoring[head].pop(tail, None)
    else:
        scoring[head][tail] = value


def _set_band(bands: list[dict[str, Any]], name: str, value: Any, key: str) -> list[Any]:
    if value is None:
        return [b for b in bands if b["name"] != name]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ConfigError(f"settings: {key} must be a number (the band's min_offset)")
    rest = [b for b in bands if b["name"] != name]
    return [*rest, {"name": name, "min_offset": value}]


def _bands_value(value: Any, key: str) -> Any:
    """``bands`` as a mapping ``{name: min_offset}`` or a list of ``{name, min_offset}``."""
    if isinstance(value, dict):
        return [{"name": k, "min_offset": v} for k, v in value.items()]
    if isinstance(value, list):
        return value
    raise ConfigError(
        f"settings: {key} must be a mapping name: min_offset, e.g. "
        "'{excellent: 15, good: 5, fair: 0, poor: -15, critical: -1000}'"
    )
