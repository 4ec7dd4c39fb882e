"""The results store on SQLite: round trips, idempotent saves, tenants, scores, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.store import (
    ResultsStore,
    ScoreRow,
    StoreConflictError,
    StoreUnavailableError,
    resolve_url,
)
from vmsdq.store.models import RuleResultRow

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def rule(name: str, evaluated: int, failed: int, **kw: object) -> RuleResult:
    entity = name.split(".")[0]
    sev = kw.pop("severity", Severity.error)
    return RuleResult(
        rule=name,
        entity=str(kw.pop("entity", entity)),
        kind=str(kw.pop("kind", name.rsplit(".", 1)[-1])),
        dimension=kw.pop("dimension", Dimension.validity),  # type: ignore[arg-type]
        severity=sev,  # type: ignore[arg-type]
        weight=1.5,
        evaluated=evaluated,
        failed=failed,
        outcome=kw.pop("outcome", Outcome.failed if failed else Outcome.passed),  # type: ignore[arg-type]
        message=str(kw.pop("message", "")),
        observed=kw.pop("observed", None),  # type: ignore[arg-type]
    )


def make_run(run_id: str = "r1", tenant: str = "acme", started: datetime = T0) -> RunResult:
    volunteer = EntityResult(
        entity="volunteer",
        rows=100,
        rules=[
            rule("volunteer.email.format", 90, 3, severity=Severity.warning, outcome=Outcome.warn),
            rule("volunteer.row_count", 1, 0, kind="row_count", observed=100.0),
            rule("volunteer.email.accuracy", 100, 2, entity="volunteer__mirror"),
        ],
        location="data/volunteers.csv",
        failures_path="/a/runs/r1/failures/volunteer.parquet",
        rejected=2,
        seconds=0.25,
    )
    event = EntityResult(entity="event", rows=0, status="error", message="file missing")
    return RunResult(
        run_id=run_id,
        tenant=tenant,
        started_at=started,
        finished_at=started + timedelta(seconds=3),
        status="completed",
        entities=[volunteer, event],
        config_version=2,
    )


@pytest.fixture
def store(tmp_path: Path) -> ResultsStore:
    opened = ResultsStore.open(None, tenant="acme", root=tmp_path)
    yield opened  # type: ignore[misc]
    opened.close()


def test_default_is_a_sqlite_file_in_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMSDQ_DATABASE_URL", raising=False)
    ResultsStore.open(None, tenant="acme", root=tmp_path).close()
    assert (tmp_path / ".vmsdq" / "results.db").is_file()


def test_environment_url_wins_and_relative_sqlite_paths_follow_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VMSDQ_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    ResultsStore.open(None, tenant="acme", root=tmp_path).close()
    assert (tmp_path / "env.db").is_file()
    url = resolve_url("sqlite:///state/r.db", tmp_path)
    assert url.database == str(tmp_path / "state" / "r.db")


def test_run_round_trips_with_every_rule_in_place(store: ResultsStore) -> None:
    run = make_run()
    store.save_run(run, project="vms")
    assert store.get_run("r1") == run
    info = store.run_info("r1")
    assert info is not None and info["project"] == "vms"
    assert (info["entity_count"], info["rule_count"], info["failed_rule_count"]) == (2, 3, 1)
    assert info["source_info"]["entities"]["volunteer"]["location"] == "data/volunteers.csv"
    assert store.get_run("nope") is None


def test_saving_the_same_run_twice_replaces_it(store: ResultsStore) -> None:
    run = make_run()
    store.save_run(run)
    run.entities[0].rules.pop()
    run.status = "failed"
    store.save_run(run)
    assert store.get_run("r1") == run
    assert len(store.list_runs()) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(RuleResultRow)) == 2


def test_tenants_never_see_or_overwrite_each_other(tmp_path: Path, store: ResultsStore) -> None:
    store.save_run(make_run())
    other = ResultsStore.open(None, tenant="globex", root=tmp_path)
    try:
        assert other.get_run("r1") is None and other.list_runs() == []
        assert other.rule_history() == [] and other.scores("r1") == []
        with pytest.raises(StoreConflictError, match="run id 'r1' is taken by another tenant"):
            other.save_run(make_run(tenant="globex"))
        with pytest.raises(StoreConflictError, match="belongs to tenant 'acme', not 'globex'"):
            other.save_run(make_run())
        with pytest.raises(StoreConflictError, match="run 'r1' is not stored for tenant"):
            other.save_scores("r1", [ScoreRow(level="overall", score=1.0)])
    finally:
        other.close()
    assert store.get_run("r1") == make_run()


def test_list_runs_newest_first_with_limit(store: ResultsStore) -> None:
    for day in range(3):
        store.save_run(make_run(f"r{day}", started=T0 + timedelta(days=day)))
    assert [r.run_id for r in store.list_runs()] == ["r2", "r1", "r0"]
    assert [r.run_id for r in store.list_runs(limit=2)] == ["r2", "r1"]
    assert store.list_runs()[0].entities[0].rules[0].rule == "volunteer.email.format"


def test_scores_are_replaced_per_run_and_read_back_in_order(store: ResultsStore) -> None:
    store.save_run(make_run())
    rows = [
        ScoreRow(level="rule", score=96.7, rule="volunteer.email.format", entity="volunteer"),
        {"level": "entity", "score": 88.0, "entity": "volunteer", "band": "good", "weight": 2.0},
        ScoreRow(level="overall", score=None, config_version=3, label="rescored with config v3"),
    ]
    store.save_scores("r1", rows)
    store.save_scores("r1", rows)
    got = store.scores("r1")
    assert [(r.level, r.score, r.band) for r in got] == [
        ("rule", 96.7, None),
        ("entity", 88.0, "good"),
        ("overall", None, None),
    ]
    assert got[2].label == "rescored with config v3" and got[2].config_version == 3
    with pytest.raises(ValueError, match=r"unknown keys \['grade'\]"):
        store.save_scores("r1", [{"level": "entity", "score": 1.0, "grade": "A"}])
    with pytest.raises(ValueError, match="score level 'table' is not one of"):
        store.save_scores("r1", [{"level": "table", "score": 1.0}])
    store.save_run(make_run())  # re-saving the run keeps its scores
    assert len(store.scores("r1")) == 3


def test_rule_history_filters_by_entity_rule_and_time(store: ResultsStore) -> None:
    for day in range(3):
        store.save_run(make_run(f"r{day}", started=T0 + timedelta(days=day)))
    rows = store.rule_history(rule="volunteer.email.format")
    assert [(h.run_id, h.evaluated, h.failed) for h in rows] == [
        ("r0", 90, 3),
        ("r1", 90, 3),
        ("r2", 90, 3),
    ]
    assert rows[0].pass_rate == pytest.approx(87 / 90) and rows[0].outcome is Outcome.warn
    assert rows[0].started_at == T0 and rows[0].config_version == 2
    recent = store.rule_history(entity="volunteer", since=T0 + timedelta(days=1))
    assert {h.run_id for h in recent} == {"r1", "r2"} and len(recent) == 4
    assert len(store.rule_history(entity="volunteer__mirror")) == 3


def test_unreachable_database_error_hides_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://vms:s3cret-pw@127.0.0.1:1/results"
    with pytest.raises(StoreUnavailableError) as err:
        ResultsStore.open(url, tenant="acme", root=tmp_path)
    message = str(err.value)
    assert "s3cret-pw" not in message
    assert message.startswith("results database postgresql+psycopg://vms:***@127.0.0.1:1/results")
