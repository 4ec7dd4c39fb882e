"""Administration: the results database's schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import make_url

from vmsdq.services.context import load, store_url
from vmsdq.store.db import Database, safe_url
from vmsdq.store.migrate import current_revision, head_revision


def upgrade_database(project_dir: Path | str) -> tuple[str, str | None, str]:
    """Migrate the project's results database; returns (url without password, before, after)."""
    url = make_url(store_url(load(project_dir)))
    db = Database(url)
    try:
        before, after = db.upgrade()
    finally:
        db.dispose()
    return safe_url(url), before, after


def database_revision(project_dir: Path | str) -> tuple[str, str | None, str]:
    """(url without password, current revision, newest revision)."""
    url = make_url(store_url(load(project_dir)))
    db = Database(url)
    try:
        return safe_url(url), current_revision(db.engine), head_revision()
    finally:
        db.dispose()
