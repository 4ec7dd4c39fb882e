"""Alembic environment for the results database.

``vmsdq.store.migrate.upgrade`` hands over an open connection in ``config.attributes``;
the ``alembic`` command line works too, given ``sqlalchemy.url``.
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlalchemy.engine import Connection

from vmsdq.store import models_security  # noqa: F401  (accounts, tokens, audit log)
from vmsdq.store.models import Base

try:  # analytics tables (H5) share the metadata when their module exists
    importlib.import_module("vmsdq.store.models_analytics")
    importlib.import_module("vmsdq.store.models_alerts")
except ModuleNotFoundError as exc:
    if exc.name != "vmsdq.store.models_analytics":
        raise

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        _run(conn)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
