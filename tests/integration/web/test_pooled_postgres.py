"""The web app on the real PostgreSQL with a small connection pool from configuration: many
concurrent reads share it (pre-ping, recycle) and all get the answer SQLite gives."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Integer, MetaData, create_engine, make_url, select, text

from vmsdq.store import Database
from vmsdq.web import create_app
from vmsdq.web.testing import build_demo, copy_project

pytestmark = pytest.mark.integration
PATHS = (
    "/api/v1/runs?limit=5",
    "/api/v1/runs/latest",
    "/api/v1/runs/latest/scores",
    "/api/v1/runs/latest/failures?rule=volunteer.email.format&limit=10",
    "/api/v1/overview",
    "/api/v1/history?entity=volunteer",
    "/",
    "/entities/volunteer",
)


@pytest.fixture
def pg_project(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The demo project, its results copied into a fresh PostgreSQL schema."""
    project = copy_project(build_demo(tmp_path / "built", days=2), tmp_path / "demo")
    schema = f"vmsdq_pool_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        fresh = Database(url)
        fresh.upgrade()
        fresh.dispose()
        _copy(project / ".vmsdq" / "results.db", rendered)
        yield project, rendered
    finally:
        Database.close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _copy(sqlite_file: Path, url: str) -> None:
    source, target = create_engine(f"sqlite:///{sqlite_file}"), create_engine(url)
    ours, theirs = MetaData(), MetaData()
    ours.reflect(source)
    theirs.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in ours.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(theirs.tables[table.name].insert(), rows)
            ids = theirs.tables[table.name].c.get("id")
            if rows and ids is not None and isinstance(ids.type, Integer):
                dst.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )
    source.dispose()
    target.dispose()


def test_concurrent_reads_share_a_small_pool(
    pg_project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, url = pg_project
    expected = {}
    sqlite_app = create_app({"VMSDQ_PROJECT": str(project), "VMSDQ_READ_CACHE": "off"})
    try:
        client = sqlite_app.test_client()
        expected = {p: client.get(p).get_json() for p in PATHS if p.startswith("/api")}
    finally:
        sqlite_app.extensions["vmsdq"].executor.shutdown()

    monkeypatch.setenv("VMSDQ_DATABASE_URL", url)
    monkeypatch.setenv("VMSDQ_DB_POOL_SIZE", "3")
    monkeypatch.setenv("VMSDQ_DB_MAX_OVERFLOW", "2")
    monkeypatch.setenv("VMSDQ_DB_POOL_RECYCLE", "60")
    app = create_app({"VMSDQ_PROJECT": str(project), "VMSDQ_READ_CACHE": "off"})
    try:
        db = Database.connect(url)
        pool = db.engine.pool
        assert pool.size() == 3 and pool._max_overflow == 2  # type: ignore[attr-defined]
        assert pool._pre_ping and pool._recycle == 60  # type: ignore[attr-defined]

        def read(path: str) -> tuple[str, int, object]:
            response = app.test_client().get(path)
            body = response.get_json() if path.startswith("/api") else response.data[:15]
            return path, response.status_code, body

        with ThreadPoolExecutor(max_workers=16) as workers:
            answers = list(workers.map(read, [p for _ in range(6) for p in PATHS]))
        assert {status for _, status, _ in answers} == {200}
        for path, _, body in answers:
            if path.startswith("/api"):
                assert body == expected[path], path
            else:
                assert body == b"<!doctype html>", path
        assert pool.checkedout() == 0  # every connection went back to the pool
    finally:
        app.extensions["vmsdq"].executor.shutdown()
