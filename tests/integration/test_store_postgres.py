"""The results store against the real PostgreSQL, each test in a schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, text

from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.store import ResultsStore, ScoreRow, StoreConflictError
from vmsdq.store.migrate import alembic_config, current_revision
from vmsdq.store.models import Base

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def schema_url(postgres_url: str) -> Iterator[str]:
    """A fresh schema (dropped afterwards) and a URL whose search_path points at it."""
    schema = f"vmsdq_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_run(run_id: str, tenant: str = "acme", started: datetime = T0) -> RunResult:
    rules = [
        RuleResult(
            rule="event.end_after_start",
            entity="event",
            kind="expression",
            dimension=Dimension.consistency,
            severity=Severity.error,
            weight=2.0,
            evaluated=50,
            failed=4,
            outcome=Outcome.failed,
        ),
        RuleResult(
            rule="event.row_count",
            entity="event",
            kind="row_count",
            dimension=Dimension.volume,
            severity=Severity.critical,
            weight=1.0,
            evaluated=1,
            failed=0,
            outcome=Outcome.passed,
            observed=50.0,
        ),
    ]
    return RunResult(
        run_id=run_id,
        tenant=tenant,
        started_at=started,
        finished_at=started + timedelta(seconds=1),
        status="completed",
        entities=[EntityResult(entity="event", rows=50, rules=rules, location="data/e.csv")],
        config_version=1,
    )


def test_migrations_build_the_model_schema(schema_url: str, tmp_path: Path) -> None:
    store = ResultsStore.open(schema_url, tenant="acme", root=tmp_path)
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert current_revision(store.engine) == head
        tables = set(inspect(store.engine).get_table_names())
        assert {"runs", "entity_results", "rule_results", "scores", "alembic_version"} <= tables
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        store.close()


def test_round_trip_idempotent_save_and_history(schema_url: str, tmp_path: Path) -> None:
    store = ResultsStore.open(schema_url, tenant="acme", root=tmp_path)
    try:
        run = make_run("r1")
        store.save_run(run)
        store.save_run(run)
        assert store.get_run("r1") == run
        assert [r.run_id for r in store.list_runs()] == ["r1"]
        store.save_run(make_run("r2", started=T0 + timedelta(days=1)))
        history = store.rule_history(rule="event.end_after_start")
        assert [(h.run_id, h.failed, h.pass_rate) for h in history] == [
            ("r1", 4, 0.92),
            ("r2", 4, 0.92),
        ]
        store.save_scores("r1", [ScoreRow(level="overall", score=91.5, band="excellent")])
        store.save_scores("r1", [ScoreRow(level="overall", score=92.0, band="excellent")])
        assert [s.score for s in store.scores("r1")] == [92.0]
    finally:
        store.close()


def test_tenant_isolation(schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMSDQ_DATABASE_URL", schema_url)
    acme = ResultsStore.open(None, tenant="acme", root=tmp_path)
    globex = ResultsStore.open(None, tenant="globex", root=tmp_path)
    try:
        acme.save_run(make_run("r1"))
        globex.save_run(make_run("g1", tenant="globex"))
        assert [r.run_id for r in acme.list_runs()] == ["r1"]
        assert [r.run_id for r in globex.list_runs()] == ["g1"]
        assert globex.get_run("r1") is None
        assert {h.run_id for h in globex.rule_history()} == {"g1"}
        with pytest.raises(StoreConflictError):
            globex.save_run(make_run("r1", tenant="globex"))
        assert acme.get_run("r1") == make_run("r1")
    finally:
        acme.close()
        globex.close()


def test_workers_opening_at_once_migrate_once(schema_url: str, tmp_path: Path) -> None:
    def open_and_save(i: int) -> str:
        store = ResultsStore.open(schema_url, tenant="acme", root=tmp_path)
        try:
            store.save_run(make_run(f"w{i}"))
            return f"w{i}"
        finally:
            store.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        saved = sorted(pool.map(open_and_save, range(4)))
    store = ResultsStore.open(schema_url, tenant="acme", root=tmp_path)
    try:
        assert sorted(r.run_id for r in store.list_runs()) == saved
    finally:
        store.close()
