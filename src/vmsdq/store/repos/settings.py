"""Numbered versions of the settings (weights, thresholds, bands, analytics knobs).

Reading never writes: a version is added only by an explicit :meth:`add`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from vmsdq.core.errors import ConflictError
from vmsdq.store.models_analytics import ConfigVersionRow
from vmsdq.store.records import StoredConfig
from vmsdq.store.repos.base import Repository


class SettingsRepository(Repository):
    def latest(self) -> StoredConfig | None:
        m = ConfigVersionRow
        with self.session() as s:
            row = s.scalars(select(m).order_by(m.version.desc()).limit(1)).first()
            return _record(row) if row is not None else None

    def get(self, version: int) -> StoredConfig | None:
        m = ConfigVersionRow
        with self.session() as s:
            row = s.scalars(select(m).where(m.version == version)).first()
            return _record(row) if row is not None else None

    def list(self) -> list[StoredConfig]:
        """Every version, oldest first."""
        m = ConfigVersionRow
        with self.session() as s:
            return [_record(r) for r in s.scalars(select(m).order_by(m.version))]

    def add(self, settings: dict[str, Any], digest: str, note: str, at: datetime) -> StoredConfig:
        """Record a new version on top of the newest; two writers never get one number."""
        m = ConfigVersionRow
        for _ in range(5):
            try:
                with self.session() as s:
                    top = s.scalar(select(func.max(m.version)))
                    values = {
                        "version": (top or 0) + 1,
                        "settings": settings,
                        "yaml_digest": digest,
                        "note": note,
                        "created_at": at,
                    }
                    row = m(**self.scope.stamp(values))
                    s.add(row)
                    s.flush()
                    return _record(row)
            except IntegrityError:
                continue
        raise ConflictError("could not record a settings version: too many concurrent writers")


def _record(row: ConfigVersionRow) -> StoredConfig:
    return StoredConfig(
        version=row.version,
        settings=dict(row.settings),
        note=row.note,
        created_at=row.created_at,
        yaml_digest=row.yaml_digest,
    )
