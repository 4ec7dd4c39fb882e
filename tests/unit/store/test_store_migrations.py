"""The packaged migrations build exactly the tables the models declare."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from vmsdq.store import Database
from vmsdq.store.migrate import (
    MIGRATIONS,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from vmsdq.store.models import Base

TABLES = {"runs", "run_steps", "entity_results", "rule_results", "scores", "config_versions"}


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    script = ScriptDirectory.from_config(alembic_config())
    base = script.get_revision("0001_initial")
    assert base is not None and base.down_revision is None


def test_open_upgrades_to_head_and_matches_the_models(tmp_path: Path) -> None:
    store = Database.connect(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert current_revision(store.engine) == head
        names = set(inspect(store.engine).get_table_names())
        assert names >= TABLES
        for table in names - {"alembic_version"}:
            columns = {c["name"] for c in inspect(store.engine).get_columns(table)}
            assert "tenant_id" in columns, f"table {table} has no tenant_id"
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        store.dispose()


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_revision_read_from_the_database_is_alembics_at_every_step(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        assert current_revision(engine) is None  # an empty database: no version table
        script = ScriptDirectory.from_config(alembic_config())
        for step in reversed(list(script.walk_revisions())):
            upgrade(engine, step.revision)
            with engine.connect() as conn:
                alembic_says = MigrationContext.configure(conn).get_current_revision()
            assert current_revision(engine) == alembic_says == step.revision
        command.downgrade(alembic_config(f"sqlite:///{tmp_path / 'r.db'}"), "base")
        assert current_revision(engine) is None  # the version table is there, empty
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        upgrade(engine)
        cfg = alembic_config(f"sqlite:///{tmp_path / 'r.db'}")
        command.downgrade(cfg, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def _open_store(root: str) -> str:
    try:
        Database.connect(f"sqlite:///{Path(root) / 'results.db'}").dispose()
    except Exception as exc:  # reported to the parent, which asserts there are none
        return repr(exc)
    return "ok"


def test_processes_opening_a_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert pool.map(_open_store, [str(tmp_path)] * 4) == ["ok"] * 4
