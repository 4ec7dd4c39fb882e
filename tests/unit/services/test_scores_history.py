"""Settings versions, stored scores, history and anomalies through the services, on the
embedded SQLite store and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from vmsdq.core.errors import ConfigError
from vmsdq.core.results import RunResult
from vmsdq.scoring.testing import D, S, entity, rule, run, spec
from vmsdq.services import settings
from vmsdq.services.anomalies import list_anomalies
from vmsdq.services.context import Context
from vmsdq.services.runs import get_run, import_run
from vmsdq.services.scores import rescore
from vmsdq.spec.models import EntitySpec, Project, ProjectSpec, ScoringSpec
from vmsdq.store import ArtifactStore, Database

T0 = datetime(2026, 9, 1, 6, tzinfo=UTC)
MakeCtx = Callable[..., Context]


def project(
    root: Path, scoring: ScoringSpec | None = None, extra: dict[str, EntitySpec] | None = None
) -> Project:
    ps = ProjectSpec.model_validate(
        {
            "sources": {"data": {"type": "files"}},
            "default_source": "data",
            "scoring": (scoring or ScoringSpec()).model_dump(mode="json"),
        }
    )
    entities = {"volunteer": spec("volunteer", {D.completeness: 0.5, D.validity: 0.5}, 80)}
    return Project(root=str(root), spec=ps, entities=entities | (extra or {}))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The embedded SQLite store, or PostgreSQL in a schema of its own (upgraded explicitly)."""
    if request.param == "sqlite":
        yield Database.connect(f"sqlite:///{tmp_path / 'results.db'}")
        Database.close_all()
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    schema = f"vmsdq_svc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        migrator = Database(scoped)
        migrator.upgrade()
        migrator.dispose()
        yield Database.connect(scoped)
    finally:
        Database.close_all()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def make_ctx(db: Database, tmp_path: Path) -> MakeCtx:
    def make(scoring: ScoringSpec | None = None, **extra: EntitySpec) -> Context:
        proj = project(tmp_path, scoring, extra)
        return Context(project=proj, db=db, artifacts=ArtifactStore(tmp_path / "art"))

    return make


def day_run(i: int, failed_email: int, rows: int = 100) -> RunResult:
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


def save_and_score(ctx: Context, r: RunResult) -> object:
    return import_run(ctx, r).scores


def test_reading_never_writes_and_the_first_run_records_vmsdq_yaml_as_v1(
    make_ctx: MakeCtx,
) -> None:
    ctx = make_ctx()
    for _ in range(3):
        pending = settings.in_force(ctx)
        assert (pending.version, pending.note, pending.saved) == (1, "from vmsdq.yaml", False)
    assert ctx.repos.settings.list() == []
    assert [c.saved for c in settings.history(ctx)] == [False]
    save_and_score(ctx, day_run(0, 20))
    v1 = settings.in_force(ctx)
    assert (v1.version, v1.saved) == (1, True)
    save_and_score(ctx, day_run(1, 20))
    assert [c.version for c in settings.history(ctx)] == [1]


def test_settings_set_adds_a_validated_version(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(event=spec("event"))
    v2 = settings.update(ctx, "thresholds.event", "90")
    assert v2.version == 2 and v2.settings.scoring.thresholds == {"event": 90}
    assert v2.note == "set thresholds.event = 90"
    with pytest.raises(ConfigError, match=r"thresholds\.event is 120"):
        settings.update(ctx, "thresholds.event", "120")
    with pytest.raises(ConfigError, match=r"'thresholds' takes: event, volunteer"):
        settings.update(ctx, "thresholds.nobody", "50")
    with pytest.raises(ConfigError, match="every severity_weights entry is 0"):
        for sev in ("critical", "error", "warning", "info"):
            settings.update(ctx, f"severity_weights.{sev}", "0")
    assert [c.version for c in settings.history(ctx)][:2] == [1, 2]


def test_editing_vmsdq_yaml_starts_a_new_version(make_ctx: MakeCtx) -> None:
    settings.update(make_ctx(), "anomaly_sensitivity", "4")
    edited = make_ctx(ScoringSpec(target=90))
    v3 = settings.in_force(edited)
    assert (v3.version, v3.note, v3.saved) == (3, "vmsdq.yaml scoring section changed", False)
    assert settings.record_in_force(edited).version == 3
    assert v3.settings.scoring.target == 90
    assert v3.settings.analytics.anomaly_sensitivity == 4  # analytics knobs carry over


def test_run_records_config_version_and_scores_are_stored(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    scores = save_and_score(ctx, day_run(0, 20))
    assert scores.overall == pytest.approx((80 + 90) / 2)  # type: ignore[attr-defined]
    saved = get_run(ctx, "r000")
    assert saved.config_version == 1 and saved.status == "completed"
    rows = {(r.level, r.rule or r.dimension or r.entity): r for r in ctx.repos.scores.list("r000")}
    assert rows[("overall", None)].score == pytest.approx(85.0)
    assert rows[("entity", "volunteer")].band == "good"  # 85 vs threshold 80: +5
    assert rows[("rule", "volunteer.email.required")].score == pytest.approx(80.0)
    assert {r.label for r in rows.values()} == {"as run"}


def test_rescoring_an_old_run_is_labelled(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
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
    as_run = save_and_score(ctx, old)
    assert as_run.overall == pytest.approx((80 + (80 + 45) / 1.3) / 2)  # type: ignore[attr-defined]
    settings.update(ctx, "severity_weights.warning", "0")
    new = rescore(ctx, "old")
    assert (new.label, new.config_version) == ("rescored under config v2", 2)
    assert new.overall == pytest.approx(90.0)  # validity is now the error rule alone: 100
    stored = ctx.repos.scores.list("old")
    assert sorted({r.label for r in stored}) == ["as run", "rescored under config v2"]
    overall = {r.label: r.score for r in stored if r.level == "overall"}
    assert overall["as run"] == pytest.approx(88.0769, abs=1e-4)
    assert get_run(ctx, "old").config_version == 1


def test_threshold_declared_in_the_entity_file_cannot_be_set(make_ctx: MakeCtx) -> None:
    with pytest.raises(
        ConfigError,
        match=r"entity 'volunteer' declares threshold: 80 in its "
        r"entity file, which takes precedence",
    ):
        settings.update(make_ctx(), "thresholds.volunteer", "90")


def test_history_series(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    for i, failed in enumerate([20, 10, 0]):
        save_and_score(ctx, day_run(i, failed))
    ent = ctx.repos.history.entities()["volunteer"]
    assert [p.score for p in ent] == pytest.approx([85.0, 90.0, 95.0])
    assert [(p.failed, p.evaluated, p.rows) for p in ent] == [
        (30, 200, 100),
        (20, 200, 100),
        (10, 200, 100),
    ]
    assert [p.score for p in ctx.repos.history.overall()] == pytest.approx([85.0, 90.0, 95.0])
    email = ctx.repos.history.rules(rule="volunteer.email.required")["volunteer.email.required"]
    assert [(p.run_id, p.failed, p.score) for p in email] == [
        ("r000", 20, 80.0),
        ("r001", 10, 90.0),
        ("r002", 0, 100.0),
    ]


def test_anomalies_are_flagged_on_the_run_and_listed(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    noise = [5, 6, 5, 4, 5, 6, 5, 5, 4, 6, 5, 5, 6, 4, 5, 5, 6, 5, 4, 5, 6, 5, 5, 4, 6, 5]
    for i, failed in enumerate(noise):
        save_and_score(ctx, day_run(i, failed))
    assert list_anomalies(ctx) == []
    save_and_score(ctx, day_run(len(noise), 60))
    found = list_anomalies(ctx, run_id=f"r{len(noise):03d}")
    metrics = {(a.metric, a.subject) for a in found}
    assert ("rule_failure_pct", "volunteer.email.required") in metrics
    assert ("entity_score", "volunteer") in metrics
    email = next(a for a in found if a.rule == "volunteer.email.required")
    assert email.value == 60.0 and email.expected == pytest.approx(5.0) and email.z > 3.5
    assert "rule_failure_pct volunteer.email.required: 60.00 (expected 5.00" in email.describe()


def test_entity_threshold_and_weights_can_be_overridden_at_runtime(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    settings.update(ctx, "entities.volunteer.threshold", "90")
    v3 = settings.update(ctx, "entities.volunteer.dimension_weights.validity", "1.5")
    assert v3.settings.entities["volunteer"].threshold == 90
    scores = save_and_score(ctx, day_run(0, 20))
    vol = scores.entities["volunteer"]  # type: ignore[attr-defined]
    assert vol.threshold == 90 and vol.band == "poor"  # 87.5 - 90 = -2.5: below "fair" (0)
    assert vol.score == pytest.approx((80 * 0.5 + 90 * 1.5) / 2)
    with pytest.raises(ConfigError, match="unknown entity 'nobody'"):
        settings.update(ctx, "entities.nobody.threshold", "1")
    v4 = settings.update(ctx, "entities.volunteer.threshold", "null")
    assert v4.settings.entities["volunteer"].threshold is None
