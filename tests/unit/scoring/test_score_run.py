"""Scoring formulas pinned with hand-computed examples."""

from __future__ import annotations

import pytest

from vmsdq.core.errors import ConfigError
from vmsdq.scoring import band_for, explain, score_run
from vmsdq.scoring.testing import D, S, entity, rule, run, spec
from vmsdq.spec.models import Band, ScoringSpec

ENTITIES = {
    "volunteer": spec("volunteer", {D.completeness: 0.30, D.validity: 0.25}, threshold=80),
    "organization": spec("organization", {D.integrity: 0.20}),
}
SCORING = ScoringSpec(thresholds={"organization": 85}, dimension_weights={})


def volunteer() -> object:
    return entity(
        "volunteer",
        [
            rule("v.r1", D.completeness, S.critical, 100, 10),  # 90, weight 1 x 1.0
            rule("v.r2", D.completeness, S.warning, 50, 25, weight=2),  # 50, weight 2 x 0.5
            rule("v.r3", D.validity, S.error, 100, 0),  # 100, weight 0.8
            rule("v.r4", D.validity, S.error, 0, 0),  # skipped
            rule("v.r5", D.validity, S.error, 0, 0, error="column missing"),  # error
        ],
    )


def organization() -> object:
    return entity("organization", [rule("o.r1", D.integrity, S.error, 10, 2)], rows=10)  # 80


def test_rule_dimension_entity_and_overall_scores() -> None:
    s = score_run(run(volunteer(), organization()), SCORING, ENTITIES)
    v = s.entities["volunteer"]
    assert [r.score for r in v.rules] == [90.0, 50.0, 100.0, None, None]
    assert v.dimensions[D.completeness].score == pytest.approx(70.0)  # (90x1 + 50x1) / 2
    assert v.dimensions[D.validity].score == pytest.approx(100.0)
    assert v.score == pytest.approx((70 * 0.30 + 100 * 0.25) / 0.55)  # 83.636
    assert s.entities["organization"].score == pytest.approx(80.0)
    assert s.overall == pytest.approx((83.6363636 + 80) / 2)  # equal entity weights


def test_skipped_and_errored_rules_are_excluded_and_reported() -> None:
    s = score_run(run(volunteer()), SCORING, ENTITIES)
    assert [(r.rule, r.status) for r in s.excluded_rules] == [
        ("v.r4", "skipped"),
        ("v.r5", "error"),
    ]
    assert s.excluded_rules[1].message == "column missing"


def test_entity_weights_weight_the_overall_score() -> None:
    scoring = ScoringSpec(entity_weights={"volunteer": 3})
    s = score_run(run(volunteer(), organization()), scoring, ENTITIES)
    assert s.overall == pytest.approx((3 * 83.6363636 + 80) / 4)  # organization defaults to 1


def test_thresholds_and_bands_per_entity() -> None:
    s = score_run(run(volunteer(), organization()), SCORING, ENTITIES)
    v, o = s.entities["volunteer"], s.entities["organization"]
    assert (v.threshold, v.band) == (80, "fair")  # 83.6 - 80 = +3.6
    assert (o.threshold, o.band) == (85, "poor")  # 80 - 85 = -5
    assert s.overall_threshold == 75 and s.overall_band == "good"  # 81.8 - 75 = +6.8


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (95, "excellent"),
        (90, "excellent"),
        (89.9, "good"),
        (80, "good"),
        (75, "fair"),
        (74.9, "poor"),
        (60, "poor"),
        (59.9, "critical"),
        (0, "critical"),
        (None, None),
    ],
)
def test_band_for_relative_to_threshold(score: float | None, band: str | None) -> None:
    assert band_for(score, 75, ScoringSpec().bands) == band


def test_band_for_below_every_band_is_the_lowest_band() -> None:
    bands = [Band(name="ok", min_offset=0), Band(name="low", min_offset=-10)]
    assert band_for(10, 75, bands) == "low"


def test_empty_entity_has_no_score_and_is_left_out_of_overall() -> None:
    empty = entity("organization", [rule("o.r1", D.integrity, S.error, 0, 0)], rows=0)
    s = score_run(run(volunteer(), empty), SCORING, ENTITIES)
    o = s.entities["organization"]
    assert (o.score, o.band, o.status) == (None, None, "unscored")
    assert o.message == "no rows: every rule was skipped"
    assert s.overall == pytest.approx(83.6363636)
    assert [e.entity for e in s.unscored_entities] == ["organization"]


def test_entity_in_error_has_no_score_and_is_listed() -> None:
    broken = entity("organization", [], rows=0, error="data/organization.csv not found")
    s = score_run(run(volunteer(), broken), SCORING, ENTITIES)
    o = s.entities["organization"]
    assert (o.score, o.status, o.message) == (None, "error", "data/organization.csv not found")
    assert s.overall == pytest.approx(83.6363636)


def test_no_entity_scored_gives_no_overall() -> None:
    s = score_run(run(entity("organization", [], rows=0)), SCORING, ENTITIES)
    assert (s.overall, s.overall_band) == (None, None)


def test_all_zero_rule_weights_is_a_config_error() -> None:
    zero = entity("organization", [rule("o.r1", D.integrity, S.error, 10, 2, weight=0)])
    with pytest.raises(
        ConfigError,
        match=r"entity 'organization', dimension 'integrity': "
        r"every evaluated rule has weight 0 \(.*o\.r1=0x0\.8",
    ):
        score_run(run(zero), SCORING, ENTITIES)


def test_all_zero_severity_weights_is_a_config_error() -> None:
    scoring = ScoringSpec(severity_weights={S.critical: 0, S.error: 0, S.warning: 0, S.info: 0})
    with pytest.raises(ConfigError, match="every evaluated rule has weight 0"):
        score_run(run(organization()), scoring, ENTITIES)


def test_all_zero_dimension_weights_is_a_config_error() -> None:
    entities = {"organization": spec("organization", {D.integrity: 0})}
    with pytest.raises(
        ConfigError,
        match=r"entity 'organization': every scored dimension has "
        r"weight 0 \(integrity=0\)",
    ):
        score_run(run(organization()), SCORING, entities)


def test_all_zero_entity_weights_is_a_config_error() -> None:
    scoring = ScoringSpec(entity_weights={"organization": 0})
    with pytest.raises(
        ConfigError,
        match=r"scoring.entity_weights: every scored entity has "
        r"weight 0 \(organization=0\)",
    ):
        score_run(run(organization()), scoring, ENTITIES)


def test_dimension_without_weight_is_a_config_error_naming_entity_and_dimension() -> None:
    extra = entity("organization", [rule("o.r1", D.accuracy, S.error, 10, 2)])
    with pytest.raises(
        ConfigError,
        match=r"entity 'organization': dimension 'accuracy' has "
        r"rules but no weight",
    ):
        score_run(run(extra), SCORING, ENTITIES)


def test_project_dimension_weights_apply_when_the_entity_has_none() -> None:
    scoring = ScoringSpec(dimension_weights={D.integrity: 1, D.volume: 1})
    ent = entity(
        "event", [rule("e.a", D.integrity, S.error, 10, 5), rule("e.b", D.volume, S.critical, 1, 0)]
    )
    s = score_run(run(ent), scoring, {})
    assert s.entities["event"].score == pytest.approx(75.0)  # (50 + 100) / 2


def test_negative_weight_is_a_config_error() -> None:
    scoring = ScoringSpec(entity_weights={"organization": -1})
    with pytest.raises(ConfigError, match="scoring.entity_weights.organization is -1"):
        score_run(run(organization()), scoring, ENTITIES)


def test_explain_ranks_rules_by_points_gained_when_fixed() -> None:
    s = score_run(run(volunteer(), organization()), SCORING, ENTITIES, config_version=3)
    ex = explain(s, entity="volunteer")
    first = ex.gains[0]
    # fixing v.r2: completeness (90+100)/2 = 95; entity (95x.3 + 100x.25)/.55 = 97.27
    assert first.rule == "v.r2"
    assert first.entity_gain == pytest.approx(97.272727 - 83.636364)
    assert first.overall_gain == pytest.approx((97.272727 - 83.636364) / 2)
    assert ex.gains[1].rule == "v.r1" and ex.gains[1].entity_gain == pytest.approx(2.727273)
    text = ex.render()
    assert "fixing v.r2 (now 50.0) adds 13.64 points to volunteer and 6.82 to overall" in text
    assert "v.r4: excluded (skipped: no rows evaluated)" in text
    assert "v.r5: excluded (error: column missing)" in text
    assert "run r1 (config v3, as run)" in text


def test_explain_overall_lists_the_weighted_mean() -> None:
    s = score_run(run(volunteer(), organization()), SCORING, ENTITIES)
    text = explain(s).render()
    assert "overall 81.8 (good; threshold 75) = (83.6 x 1 + 80.0 x 1) / 2" in text
    assert "fixing o.r1 (now 80.0) adds 20.00 points to organization and 10.00 to overall" in text


def test_explain_unknown_entity_names_the_known_ones() -> None:
    s = score_run(run(organization()), SCORING, ENTITIES)
    with pytest.raises(KeyError, match="it has: organization"):
        explain(s, entity="volunteer")
