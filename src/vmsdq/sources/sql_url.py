"""Database URLs for the SQL source: resolve, hide the password, map to dialects and drivers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq.core import sealing
from vmsdq.core.errors import ConfigError
from vmsdq.core.secrets import redact
from vmsdq.spec.sandbox_source import DIALECTS

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from vmsdq.spec.models import SqlSourceSpec


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed SQLAlchemy URL. ``safe`` is what messages show: the password is masked."""

    url: URL
    safe: str
    backend: str  # postgresql | mysql | mariadb | sqlite | ...
    dialect: str  # SQLGlot dialect name

    def sqlalchemy(self) -> str:
        """The full URL (with password) for ``create_engine``; never log it."""
        return self.url.render_as_string(hide_password=False)

    def adbc_postgres(self) -> str:
        """libpq URI for the ADBC PostgreSQL driver."""
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def connectorx(self, root: Path) -> str | None:
        """connectorx connection string, or None when connectorx cannot read this database."""
        if self.backend in ("mysql", "mariadb"):
            return self.url.set(drivername="mysql").render_as_string(hide_password=False)
        if self.backend == "sqlite":
            database = self.url.database
            if not database or database == ":memory:":
                return None
            path = Path(database)
            return f"sqlite://{path if path.is_absolute() else (root / path).resolve()}"
        return None

    def scrub(self, message: str) -> str:
        """Remove the password from a driver's message, in case it echoed the URL."""
        password = self.url.password
        return redact(message, [str(password)]) if password else message


def resolve_url(source: str, spec: SqlSourceSpec, *, root: Path) -> DatabaseUrl:
    """The source's URL from ``url`` or the environment variable ``url_env``.

    A relative SQLite path is taken relative to the project folder.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = spec.url
    if spec.url_env:
        raw = os.environ.get(spec.url_env) or raw
        if not raw:
            raise ConfigError(
                f"source '{source}': environment variable {spec.url_env} is not set "
                "(it must hold the SQLAlchemy URL of the database)"
            )
    if not raw:
        raise ConfigError(f"source '{source}': give 'url' or 'url_env' (a SQLAlchemy URL)")
    raw = sealing.unseal(raw.strip(), sealing.SOURCE_SECRET)  # `vmsdq keys seal` output
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"source '{source}': not a SQLAlchemy URL (expected dialect+driver://user@host/db)"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            url = url.set(database=str((root / path).resolve()))
    return DatabaseUrl(
        url=url,
        safe=url.render_as_string(hide_password=True),
        backend=backend,
        dialect=DIALECTS.get(backend, backend),
    )
