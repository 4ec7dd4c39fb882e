"""A PostgreSQL results database that goes away once the run has validated (its connections
ended and the database gone): the run's results are still printed and scored, the message
says where its files are and how to store it, hides the password, and exits 3; once the
database is back, ``vmsdq runs resume`` stores the run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url, text

from vmsdq.cli import main
from vmsdq.services import run_steps
from vmsdq.store import Database

pytestmark = pytest.mark.integration

PASSWORD = "s3cret-store-pw"
RUN_ID = "20260101T000000-9a5e55"
PROJECT = """\
name: lost
sources: {{vms: {{type: files, path: data}}}}
default_source: vms
store: {{url: "{url}"}}
"""


@pytest.fixture
def database(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A database of its own, at the newest schema: (its name, its URL with a password)."""
    name = f"vmsdq_lost_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name, password=PASSWORD)
    plain = url.render_as_string(hide_password=False)
    fresh = Database(url)
    fresh.upgrade()
    fresh.dispose()
    try:
        yield name, plain
    finally:
        Database.close_all()
        with admin.connect() as conn:
            for gone in (name, f"{name}_gone"):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{gone}" WITH (FORCE)'))
        admin.dispose()


def take_away(postgres_url: str, name: str, new_name: str) -> None:
    """End every connection to the database and rename it: to vmsdq it is gone."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
            {"d": name},
        )
        conn.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{new_name}"'))
    admin.dispose()


def test_a_lost_postgresql_store_still_shows_the_run(
    tmp_path: Path,
    postgres_url: str,
    database: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, url = database
    root = tmp_path / "p"
    (root / "entities").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(PROJECT.format(url=url))
    (root / "entities" / "a.yaml").write_text(
        "entity: a\nkey: id\nfields: {id: {required: true}, n: {type: integer}}\n"
    )
    (root / "data" / "a.csv").write_text("id,n\n1,5\n2,17.5\n3,7\n")
    real, armed = run_steps.checkpoint, [True]

    def checkpoint(point: str) -> None:
        if point == "validated" and armed.pop() if armed else False:
            take_away(postgres_url, name, f"{name}_gone")
        real(point)

    monkeypatch.setattr(run_steps, "checkpoint", checkpoint)
    args = ["validate", "--project", str(root), "--run-id", RUN_ID]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.stderr and PASSWORD not in result.output
    assert "│ a      │    3 │     2 │      1 │    0 │      1 │" in result.stdout  # the table
    assert "Overall score: 85.2 (good)" in result.stdout  # scored in memory
    assert f"Run {RUN_ID} (not stored, warned)" in result.stdout
    assert "vmsdq failures" not in result.stdout  # not until the run is stored
    assert f"The results of run {RUN_ID} could not be stored: results database " in result.stderr
    assert "postgres:***@127.0.0.1" in result.stderr and " is unreachable: " in result.stderr
    assert f"kept in {root / '.vmsdq' / 'artifacts' / 'runs' / RUN_ID}" in result.stderr
    assert f"vmsdq runs resume {RUN_ID} --project {root}" in result.stderr

    monkeypatch.undo()
    Database.close_all()
    take_away(postgres_url, f"{name}_gone", name)  # the database is back
    resumed = CliRunner().invoke(main, ["runs", "resume", RUN_ID, "--project", str(root)])
    assert resumed.exit_code == 0, resumed.output
    assert f"Run {RUN_ID} (completed, warned)" in resumed.output
    assert "Overall score: 85.2 (good)" in resumed.output
