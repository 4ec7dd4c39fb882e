"""Numbered versions of the scoring settings, stored in the results database.

Version 1 is what ``vmsdq.yaml`` says. ``vmsdq settings set`` adds a version on top of the
newest one. When the ``scoring:`` section of ``vmsdq.yaml`` changes, the next lookup records
it as a new version (the file wins over earlier ``settings set`` changes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from vmsdq.core.errors import ConfigError
from vmsdq.scoring.settings import Settings, apply_setting, validate_settings
from vmsdq.spec.models import EntitySpec, ScoringSpec
from vmsdq.store import ResultsStore
from vmsdq.store.models_analytics import ConfigVersionRow


@dataclass(frozen=True)
class ConfigVersion:
    version: int
    settings: Settings
    note: str
    created_at: datetime
    yaml_digest: str


def yaml_digest(scoring: ScoringSpec) -> str:
    text = json.dumps(scoring.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def current_config(store: ResultsStore, yaml_scoring: ScoringSpec) -> ConfigVersion:
    """The settings in force: the newest version, after recording ``vmsdq.yaml`` if it changed."""
    latest = latest_config(store)
    digest = yaml_digest(yaml_scoring)
    if latest is not None and latest.yaml_digest == digest:
        return latest
    settings = Settings(scoring=yaml_scoring)
    if latest is not None:  # keep analytics knobs and overrides; the file only holds scoring
        settings = latest.settings.model_copy(update={"scoring": yaml_scoring})
    validate_settings(settings)
    note = "from vmsdq.yaml" if latest is None else "vmsdq.yaml scoring section changed"
    return _add(store, settings, digest, note)


def set_config(
    store: ResultsStore,
    yaml_scoring: ScoringSpec,
    key: str,
    value: str,
    *,
    entities: Mapping[str, EntitySpec] | None = None,
) -> ConfigVersion:
    """Validate and record ``key = value`` as a new version; returns it.

    ``entities`` (the project's) lets the key name only known entities, and refuses a
    threshold the entity file declares (the file takes precedence, so the change would not
    take effect).
    """
    specs = entities or {}
    head, _, name = key.partition(".")
    declared = specs[name].threshold if head == "thresholds" and name in specs else None
    if declared is not None:
        raise ConfigError(
            f"settings: entity '{name}' declares threshold: {declared:g} in its entity file, "
            "which takes precedence over scoring.thresholds; override it at runtime with "
            f"`vmsdq settings set entities.{name}.threshold VALUE`"
        )
    base = current_config(store, yaml_scoring)
    new = apply_setting(base.settings, key, value, entities=list(specs))
    return _add(store, new, base.yaml_digest, f"set {key} = {value}")


def get_config(store: ResultsStore, version: int) -> ConfigVersion | None:
    query = select(ConfigVersionRow).where(
        ConfigVersionRow.tenant_id == store.tenant, ConfigVersionRow.version == version
    )
    with store.session() as s:
        row = s.scalars(query).first()
        return _version(row) if row is not None else None


def latest_config(store: ResultsStore) -> ConfigVersion | None:
    query = (
        select(ConfigVersionRow)
        .where(ConfigVersionRow.tenant_id == store.tenant)
        .order_by(ConfigVersionRow.version.desc())
        .limit(1)
    )
    with store.session() as s:
        row = s.scalars(query).first()
        return _version(row) if row is not None else None


def list_configs(store: ResultsStore) -> list[ConfigVersion]:
    """Every version, oldest first."""
    query = (
        select(ConfigVersionRow)
        .where(ConfigVersionRow.tenant_id == store.tenant)
        .order_by(ConfigVersionRow.version)
    )
    with store.session() as s:
        return [_version(r) for r in s.scalars(query)]


def _add(store: ResultsStore, settings: Settings, digest: str, note: str) -> ConfigVersion:
    for _ in range(3):  # two writers may race for the same number
        try:
            with store.session() as s:
                top = s.scalar(
                    select(func.max(ConfigVersionRow.version)).where(
                        ConfigVersionRow.tenant_id == store.tenant
                    )
                )
                row = ConfigVersionRow(
                    tenant_id=store.tenant,
                    version=(top or 0) + 1,
                    settings=settings.model_dump(mode="json"),
                    yaml_digest=digest,
                    note=note,
                    created_at=datetime.now(UTC),
                )
                s.add(row)
                s.flush()
                return _version(row)
        except IntegrityError:
            continue
    raise RuntimeError("could not record a config version after 3 attempts (concurrent writers)")


def _version(row: ConfigVersionRow) -> ConfigVersion:
    return ConfigVersion(
        version=row.version,
        settings=Settings.model_validate(row.settings),
        note=row.note,
        created_at=row.created_at,
        yaml_digest=row.yaml_digest,
    )
