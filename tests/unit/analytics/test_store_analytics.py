"""Config versions, stored scores, history and anomalies on a real SQLite results store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from vmsdq.analytics.anomalies import list_anomalies
from vmsdq.analytics.config_versions import current_config, list_configs, set_config
from vmsdq.analytics.history import entity_history, overall_history, rule_history
from vmsdq.analytics.pipeline import persist_scores, rescore
from vmsdq.core.errors import ConfigError
from vmsdq.scoring.testing import D, S, entity, rule, run, spec
from vmsdq.spec.models import Project, ProjectSpec, ScoringSpec
from vmsdq.store import ResultsStore

T0 = datetime(2026, 9, 1, 6, tzinfo=UTC)


def project(root: Path, scoring: ScoringSpec | None = None) -> Project:
    ps = ProjectSpec.model_validate(
        {
            "sources": {"data": {"type": "files"}},
            "default_source": "data",
            "scoring": (scoring or ScoringSpec()).model_dump(mode="json"),
        }
    )
    return Project(
        root=str(root),
        spec=ps,
        entities={
            "volunteer": spec("volunteer", {D.completeness: 0.5, D.validity: 0.5}, threshold=80),
        },
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ResultsStore]:
    """The same tests on the embedded SQLite store and on PostgreSQL (a schema per test)."""
    if request.param == "sqlite":
        with ResultsStore.open(None, tenant="default", root=tmp_path) as s:
            yield s
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    schema = f"vmsdq_h5_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with ResultsStore.open(
            scoped.render_as_string(hide_password=False), tenant="default", root=tmp_path
        ) as s:
            yield s
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def day_run(i: int, failed_email: int, rows: int = 100) -> object:
    return run(
        entity(
            "volunteer",
            [
                rule("volunteer.email.required", D.completeness, S.error, rows, failed_email),
                rule("volunteer.phone.format", D.validity, S.warning, rows, 10),
            ],
            rows=rows,
        ),
        run_id=f"r{i:03d}",
        when=T0 + timedelta(days=i),
    )


def save_and_score(store: ResultsStore, proj: Project, r: object) -> object:
    store.save_run(r)  # type: ignore[arg-type]
    return persist_scores(store, r, proj)  # type: ignore[arg-type]


def test_first_lookup_records_vmsdq_yaml_as_version_1(store: ResultsStore, tmp_path: Path) -> None:
    proj = project(tmp_path)
    v1 = current_config(store, proj.spec.scoring)
    assert (v1.version, v1.note) == (1, "from vmsdq.yaml")
    assert current_config(store, proj.spec.scoring).version == 1  # unchanged: no new version


def test_settings_set_adds_a_validated_version(store: ResultsStore, tmp_path: Path) -> None:
    proj = project(tmp_path)
    names = {"volunteer": spec("volunteer"), "event": spec("event")}
    v2 = set_config(store, proj.spec.scoring, "thresholds.event", "90", entities=names)
    assert v2.version == 2 and v2.settings.scoring.thresholds == {"event": 90}
    assert v2.note == "set thresholds.event = 90"
    with pytest.raises(ConfigError, match=r"thresholds\.event is 120"):
        set_config(store, proj.spec.scoring, "thresholds.event", "120", entities=names)
    with pytest.raises(ConfigError, match=r"'thresholds' takes: event, volunteer"):
        set_config(store, proj.spec.scoring, "thresholds.nobody", "50", entities=names)
    with pytest.raises(ConfigError, match="every severity_weights entry is 0"):
        for sev in ("critical", "error", "warning", "info"):
            set_config(store, proj.spec.scoring, f"severity_weights.{sev}", "0")
    assert [c.version for c in list_configs(store)][:2] == [1, 2]


def test_editing_vmsdq_yaml_starts_a_new_version(store: ResultsStore, tmp_path: Path) -> None:
    current_config(store, ScoringSpec())
    set_config(store, ScoringSpec(), "anomaly_sensitivity", "4")
    v3 = current_config(store, ScoringSpec(target=90))
    assert (v3.version, v3.note) == (3, "vmsdq.yaml scoring section changed")
    assert v3.settings.scoring.target == 90
    assert v3.settings.analytics.anomaly_sensitivity == 4  # analytics knobs carry over


def test_run_records_config_version_and_scores_are_stored(
    store: ResultsStore, tmp_path: Path
) -> None:
    proj = project(tmp_path)
    scores = save_and_score(store, proj, day_run(0, 20))
    assert scores.overall == pytest.approx((80 + 90) / 2)  # type: ignore[attr-defined]
    saved = store.get_run("r000")
    assert saved is not None and saved.config_version == 1
    rows = {(r.level, r.rule or r.dimension or r.entity): r for r in store.scores("r000")}
    assert rows[("overall", None)].score == pytest.approx(85.0)
    assert rows[("entity", "volunteer")].band == "good"  # 85 vs threshold 80: +5
    assert rows[("rule", "volunteer.email.required")].score == pytest.approx(80.0)
    assert {r.label for r in rows.values()} == {"as run"}


def test_rescoring_an_old_run_is_labelled(store: ResultsStore, tmp_path: Path) -> None:
    proj = project(tmp_path)
    old = run(
        entity(
            "volunteer",
            [
                rule("volunteer.email.required", D.completeness, S.error, 100, 20),  # 80
                rule("volunteer.birthdate.range", D.validity, S.error, 100, 0),  # 100 x 0.8
                rule("volunteer.phone.format", D.validity, S.warning, 100, 10),  # 90 x 0.5
            ],
        ),
        run_id="old",
    )
    as_run = save_and_score(store, proj, old)
    assert as_run.overall == pytest.approx((80 + (80 + 45) / 1.3) / 2)  # type: ignore[attr-defined]
    set_config(store, proj.spec.scoring, "severity_weights.warning", "0")
    new = rescore(store, "old", proj)
    assert (new.label, new.config_version) == ("rescored under config v2", 2)
    assert new.overall == pytest.approx(90.0)  # validity is now the error rule alone: 100
    stored = store.scores("old")
    assert sorted({r.label for r in stored}) == ["as run", "rescored under config v2"]
    overall = {r.label: r.score for r in stored if r.level == "overall"}
    assert overall["as run"] == pytest.approx(88.0769, abs=1e-4)
    assert store.get_run("old").config_version == 1  # type: ignore[union-attr]


def test_threshold_declared_in_the_entity_file_cannot_be_set(
    store: ResultsStore, tmp_path: Path
) -> None:
    proj = project(tmp_path)
    with pytest.raises(
        ConfigError,
        match=r"entity 'volunteer' declares threshold: 80 in its "
        r"entity file, which takes precedence",
    ):
        set_config(store, proj.spec.scoring, "thresholds.volunteer", "90", entities=proj.entities)


def test_history_series(store: ResultsStore, tmp_path: Path) -> None:
    proj = project(tmp_path)
    for i, failed in enumerate([20, 10, 0]):
        save_and_score(store, proj, day_run(i, failed))
    ent = entity_history(store)["volunteer"]
    assert [p.score for p in ent] == pytest.approx([85.0, 90.0, 95.0])
    assert [(p.failed, p.evaluated, p.rows) for p in ent] == [
        (30, 200, 100),
        (20, 200, 100),
        (10, 200, 100),
    ]
    assert [p.score for p in overall_history(store)] == pytest.approx([85.0, 90.0, 95.0])
    email = rule_history(store, rule="volunteer.email.required")["volunteer.email.required"]
    assert [(p.run_id, p.failed, p.score) for p in email] == [
        ("r000", 20, 80.0),
        ("r001", 10, 90.0),
        ("r002", 0, 100.0),
    ]


def test_anomalies_are_flagged_on_the_run_and_listed(store: ResultsStore, tmp_path: Path) -> None:
    proj = project(tmp_path)
    noise = [5, 6, 5, 4, 5, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5, 5, 6, 5, 4, 5, 6, 5, 5, 4, 6, 5]
    for i, failed in enumerate(noise):
        save_and_score(store, proj, day_run(i, failed))
    assert list_anomalies(store) == []
    save_and_score(store, proj, day_run(len(noise), 60))
    found = list_anomalies(store, run_id=f"r{len(noise):03d}")
    metrics = {(a.metric, a.subject) for a in found}
    assert ("rule_failure_pct", "volunteer.email.required") in metrics
    assert ("entity_score", "volunteer") in metrics
    email = next(a for a in found if a.rule == "volunteer.email.required")
    assert email.value == 60.0 and email.expected == pytest.approx(5.0) and email.z > 3.5
    assert "rule_failure_pct volunteer.email.required: 60.00 (expected 5.00" in email.describe()


def test_entity_threshold_and_weights_can_be_overridden_at_runtime(
    store: ResultsStore, tmp_path: Path
) -> None:
    proj = project(tmp_path)
    set_config(
        store, proj.spec.scoring, "entities.volunteer.threshold", "90", entities=proj.entities
    )
    v3 = set_config(
        store,
        proj.spec.scoring,
        "entities.volunteer.dimension_weights.validity",
        "1.5",
        entities=proj.entities,
    )
    assert v3.settings.entities["volunteer"].threshold == 90
    scores = save_and_score(store, proj, day_run(0, 20))
    vol = scores.entities["volunteer"]  # type: ignore[attr-defined]
    assert vol.threshold == 90 and vol.band == "poor"  # 87.5 - 90 = -2.5: below "fair" (0)
    assert vol.score == pytest.approx((80 * 0.5 + 90 * 1.5) / 2)
    with pytest.raises(ConfigError, match="unknown entity 'nobody'"):
        set_config(
            store, proj.spec.scoring, "entities.nobody.threshold", "1", entities=proj.entities
        )
    v4 = set_config(
        store, proj.spec.scoring, "entities.volunteer.threshold", "null", entities=proj.entities
    )
    assert v4.settings.entities["volunteer"].threshold is None
