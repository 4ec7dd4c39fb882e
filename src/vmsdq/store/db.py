"""The results database: one :class:`Database` (engine, migrations, sessions) per URL per process.

The embedded SQLite file upgrades itself on first use; any other database must be brought to
the newest schema explicitly with ``vmsdq db upgrade`` (several workers never race to migrate).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from vmsdq.core.errors import ConfigError, TransientError
from vmsdq.store.migrate import current_revision, head_revision, upgrade
from vmsdq.store.scope import SCOPE_KEY, Scope

ENV_URL = "VMSDQ_DATABASE_URL"
DEFAULT_URL = "sqlite:///.vmsdq/results.db"


class StoreUnavailableError(TransientError):
    """The results database cannot be reached (the message hides the password)."""


class StoreOutdatedError(ConfigError):
    """The results database is not at the newest schema: run ``vmsdq db upgrade``."""


def resolve_url(configured: str | None, root: Path) -> URL:
    """``$VMSDQ_DATABASE_URL`` → ``store.url`` of ``vmsdq.yaml`` → the SQLite file in the project.

    A relative SQLite path is taken relative to the project root.
    """
    chosen = os.environ.get(ENV_URL) or configured or DEFAULT_URL
    parsed = make_url(chosen)
    db = parsed.database or ""
    relative = bool(db) and not Path(db).is_absolute() and db != ":memory:"
    if parsed.get_backend_name() == "sqlite" and relative and not db.startswith("file:"):
        parsed = parsed.set(database=str(Path(root) / db))
    return parsed


def safe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class Database:
    """A results database. Get one with :meth:`connect`, which keeps one per URL per process."""

    _open: ClassVar[dict[str, Database]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, url: URL) -> None:
        self.url = url
        self.engine = _engine(url)
        self._checked = False

    @classmethod
    def connect(cls, url: URL | str) -> Database:
        """The process's database for ``url``, schema checked (SQLite upgraded) once."""
        parsed = make_url(url) if isinstance(url, str) else url
        key = parsed.render_as_string(hide_password=False)
        with cls._lock:
            db = cls._open.get(key)
            if db is None or _is_memory(parsed):
                db = cls(parsed)
                if not _is_memory(parsed):
                    cls._open[key] = db
        db.ensure_schema()
        return db

    @classmethod
    def close_all(cls) -> None:
        with cls._lock:
            for db in cls._open.values():
                db.engine.dispose()
            cls._open.clear()

    def ensure_schema(self) -> None:
        """Upgrade an embedded SQLite database; refuse any other that is not at the head."""
        if self._checked:
            return
        try:
            found = current_revision(self.engine)
            if found == head_revision():
                pass
            elif self.url.get_backend_name() == "sqlite":
                upgrade(self.engine)
            else:
                raise StoreOutdatedError(
                    f"results database {safe_url(self.url)} is at schema "
                    f"{found or 'none (empty)'}, this vmsdq needs {head_revision()}: "
                    "run `vmsdq db upgrade`"
                )
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(
                f"results database {safe_url(self.url)} cannot be opened: {_first_line(exc)}"
            ) from None
        self._checked = True

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the newest schema (``vmsdq db upgrade``). Returns (before, after)."""
        try:
            before = current_revision(self.engine)
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(
                f"results database {safe_url(self.url)} cannot be upgraded: {_first_line(exc)}"
            ) from None
        self._checked = True
        return before, head_revision()

    @contextmanager
    def session(self, scope: Scope | None = None) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on error. With ``scope``, every
        query sees only that tenant's project (``vmsdq.store.scope``)."""
        info = {SCOPE_KEY: scope} if scope is not None else {}
        with (
            self._reachable(),
            Session(self.engine, expire_on_commit=False, info=info) as s,
            s.begin(),
        ):
            yield s

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A core connection for a few cheap reads, without an ORM session (the caller binds
        the scope itself); errors as :meth:`session` raises them."""
        with self._reachable(), self.engine.connect() as con:
            yield con

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A lost connection to the database becomes ``StoreUnavailableError``."""
        try:
            yield
        except SQLAlchemyError as exc:
            if _is_connection_error(exc):
                raise StoreUnavailableError(
                    f"results database {safe_url(self.url)} is unreachable: {_first_line(exc)}"
                ) from None
            if _sqlite_cannot_write(exc):
                raise StoreUnavailableError(
                    f"results database {self.url.database} cannot be written: {_first_line(exc)}"
                ) from None
            raise

    def dispose(self) -> None:
        self.engine.dispose()

    @classmethod
    def after_fork(cls) -> None:
        """In a forked child: new connection pools, leaving the parent's connections alone."""
        with cls._lock:
            for db in cls._open.values():
                db.engine.dispose(close=False)


def _engine(url: URL) -> Engine:
    if _is_memory(url):  # one shared connection, or every session sees an empty database
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif url.get_backend_name() == "sqlite":
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True, **pool_options())
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


POOL_ENV = {  # option -> (environment variable, default)
    "pool_size": ("VMSDQ_DB_POOL_SIZE", 10),
    "max_overflow": ("VMSDQ_DB_MAX_OVERFLOW", 20),
    "pool_recycle": ("VMSDQ_DB_POOL_RECYCLE", 1800),  # seconds; under any server idle timeout
    "pool_timeout": ("VMSDQ_DB_POOL_TIMEOUT", 30),
}


def pool_options() -> dict[str, int]:
    """Connection pool of a server database; each worker process sizes its own by env."""
    return {k: int(os.environ.get(env) or default) for k, (env, default) in POOL_ENV.items()}


BUSY_ENV = "VMSDQ_SQLITE_BUSY_TIMEOUT"  # ms a SQLite write waits for a lock held elsewhere


def _busy_timeout() -> int:
    return int(os.environ.get(BUSY_ENV) or 30_000)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout()}")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the dashboard) never block a run
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL; no fsync per commit
    cursor.close()


def _is_connection_error(exc: SQLAlchemyError) -> bool:
    from sqlalchemy.exc import DBAPIError

    return (
        isinstance(exc, DBAPIError)
        and bool(exc.connection_invalidated)
        or (type(exc).__name__ == "OperationalError" and "connect" in str(exc).lower())
    )


SQLITE_UNWRITABLE = (  # SQLite's words for a file it cannot write now (the run is kept)
    "database or disk is full",
    "readonly database",
    "unable to open database file",
    "disk i/o error",
    "database is locked",
)


def _sqlite_cannot_write(exc: SQLAlchemyError) -> bool:
    """A full disk, a folder made read-only, a file locked too long or gone away."""
    orig = getattr(exc, "orig", None)
    if type(orig).__module__ != "sqlite3":
        return False
    return any(words in str(orig).lower() for words in SQLITE_UNWRITABLE)


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = f"{type(orig).__name__}: {orig}" if orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
