"""Runtime settings: keys, YAML values, validation messages, entity overrides."""

from __future__ import annotations

import pytest

from vmsdq.core.errors import ConfigError
from vmsdq.scoring.overrides import effective_entities
from vmsdq.scoring.settings import Settings, apply_setting, flatten
from vmsdq.scoring.testing import D, spec

NAMES = ["volunteer", "event"]


def test_set_a_weight_and_read_it_back_flat() -> None:
    s = apply_setting(Settings(), "dimension_weights.completeness", "0.3", entities=NAMES)
    assert flatten(s)["dimension_weights.completeness"] == 0.3
    assert flatten(s)["bands.good"] == 5


def test_null_removes_a_map_entry() -> None:
    s = apply_setting(Settings(), "entity_weights.event", "2", entities=NAMES)
    s = apply_setting(s, "entity_weights.event", "null", entities=NAMES)
    assert s.scoring.entity_weights == {}


def test_bands_as_a_mapping_and_one_band_at_a_time() -> None:
    s = apply_setting(Settings(), "bands", "{ok: 0, bad: -100}")
    assert [(b.name, b.min_offset) for b in s.scoring.bands] == [("ok", 0), ("bad", -100)]
    s = apply_setting(s, "bands.great", "10")
    assert {b.name for b in s.scoring.bands} == {"ok", "bad", "great"}
    with pytest.raises(ConfigError, match="bands is empty"):
        apply_setting(apply_setting(s, "bands.ok", "null"), "bands", "{}")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "severity_weights.urgent",
            "1",
            "'severity_weights' takes: critical, error, warning, info",
        ),
        ("severity_weights.error", "-1", "severity_weights.error is -1; weights must be >= 0"),
        ("default_threshold", "101", "default_threshold = '101' is not valid"),
        ("target", "abc", "target = 'abc' is not valid"),
        ("anomaly_sensitivity", "0", "anomaly_sensitivity = '0' is not valid"),
        ("thresholds.nobody", "80", "'thresholds' takes: event, volunteer"),
        ("colour", "red", "unknown key 'colour'; valid keys: severity_weights.<critical"),
        ("entities.volunteer.colour", "1", "use entities.<entity>.threshold or"),
        ("bands.good", "high", "bands.good must be a number"),
    ],
)
def test_bad_settings_are_config_errors(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("<", ".")):
        apply_setting(Settings(), key, value, entities=NAMES)


def test_overrides_win_over_entity_files() -> None:
    s = apply_setting(Settings(), "entities.volunteer.threshold", "90", entities=NAMES)
    s = apply_setting(s, "entities.volunteer.dimension_weights.validity", "0.5", entities=NAMES)
    entities = {"volunteer": spec("volunteer", {D.completeness: 0.3, D.validity: 0.25}, 80)}
    eff = effective_entities(entities, s.entities)["volunteer"]
    assert eff.threshold == 90
    assert eff.dimension_weights == {D.completeness: 0.3, D.validity: 0.5}
    assert entities["volunteer"].threshold == 80  # the loaded spec is untouched
    assert flatten(s)["entities.volunteer.threshold"] == 90


def test_zeroing_every_dimension_weight_is_a_config_error() -> None:
    s = Settings()
    *others, last = list(s.scoring.dimension_weights)
    for dim in others:
        s = apply_setting(s, f"dimension_weights.{dim}", "0", entities=NAMES)
    with pytest.raises(ConfigError, match="every dimension_weights entry is 0"):
        apply_setting(s, f"dimension_weights.{last}", "0", entities=NAMES)
