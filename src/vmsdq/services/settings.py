"""Settings in force (weights, thresholds, bands, analytics knobs) as numbered versions.

Version 1 is what ``vmsdq.yaml`` says. ``update`` adds a version on top of the newest. When
the ``scoring:`` section of ``vmsdq.yaml`` changes, the file wins: the settings in force are
the newest version with the file's scoring section, recorded as a new version by the next
stored run or settings change. Reading never writes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.scoring.settings import Settings, apply_setting, flatten, validate_settings
from vmsdq.services import audit
from vmsdq.services.context import Context
from vmsdq.spec.models import ScoringSpec
from vmsdq.store.records import StoredConfig
from vmsdq.store.repos import Repositories


@dataclass(frozen=True)
class ConfigVersion:
    version: int
    settings: Settings
    note: str
    created_at: datetime | None
    yaml_digest: str
    saved: bool = True  # False: what vmsdq.yaml says now, recorded by the next stored run


def yaml_digest(scoring: ScoringSpec) -> str:
    text = json.dumps(scoring.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def in_force(ctx: Context) -> ConfigVersion:
    """The settings a run made now would be scored under (nothing is written)."""
    ctx.require("read")
    return _in_force(ctx.settings_repos, ctx.project.spec.scoring)


def record_in_force(ctx: Context) -> ConfigVersion:
    """The settings in force, recorded as a version first when ``vmsdq.yaml`` changed them
    (a scratch context records nothing: its runs are not kept)."""
    found = _in_force(ctx.settings_repos, ctx.project.spec.scoring)
    if found.saved or ctx.scratch:
        return found
    stored = ctx.repos.settings.add(
        found.settings.model_dump(mode="json"), found.yaml_digest, found.note, ctx.clock()
    )
    return _version(stored)


def get_version(ctx: Context, version: int) -> ConfigVersion:
    ctx.require("read")
    repos = ctx.settings_repos
    found = repos.settings.get(version) if repos is not None else None
    if found is None:
        raise NotFoundError(
            f"config version {version} does not exist; see `vmsdq settings history`"
        )
    return _version(found)


def history(ctx: Context) -> list[ConfigVersion]:
    """Every recorded version, oldest first, then the pending one if vmsdq.yaml changed."""
    ctx.require("read")
    repos = ctx.settings_repos
    out = [_version(c) for c in repos.settings.list()] if repos is not None else []
    current = in_force(ctx)
    return out if current.saved else [*out, current]


def validate_change(ctx: Context, key: str, value: str) -> Settings:
    """The settings in force with ``key = value``, validated (ConfigError says why not)."""
    ctx.require("read")
    _refuse_declared_threshold(ctx, key)
    base = in_force(ctx)
    return apply_setting(base.settings, key, value, entities=list(ctx.project.entities))


def update(ctx: Context, key: str, value: str) -> ConfigVersion:
    """Validate ``key = value`` and record it as a new version; returns it."""
    ctx.require("settings")
    new = validate_change(ctx, key, value)
    base = record_in_force(ctx)
    stored = ctx.repos.settings.add(
        new.model_dump(mode="json"), base.yaml_digest, f"set {key} = {value}", ctx.clock()
    )
    audit.record(ctx, "settings.update", key, value=value, version=stored.version)
    return _version(stored)


def as_pairs(config: ConfigVersion) -> dict[str, Any]:
    """``key -> value`` in the form ``update`` takes."""
    return flatten(config.settings)


def _in_force(repos: Repositories | None, yaml_scoring: ScoringSpec) -> ConfigVersion:
    latest = repos.settings.latest() if repos is not None else None
    digest = yaml_digest(yaml_scoring)
    if latest is not None and latest.yaml_digest == digest:
        return _version(latest)
    settings = Settings(scoring=yaml_scoring)
    if latest is not None:  # keep analytics knobs and overrides; the file only holds scoring
        settings = _version(latest).settings.model_copy(update={"scoring": yaml_scoring})
    validate_settings(settings)
    note = "from vmsdq.yaml" if latest is None else "vmsdq.yaml scoring section changed"
    number = (latest.version if latest is not None else 0) + 1
    return ConfigVersion(number, settings, note, None, digest, saved=False)


def _refuse_declared_threshold(ctx: Context, key: str) -> None:
    head, _, name = key.partition(".")
    entity = ctx.project.entities.get(name) if head == "thresholds" else None
    if entity is not None and entity.threshold is not None:
        raise ConfigError(
            f"settings: entity '{name}' declares threshold: {entity.threshold:g} in its entity "
            "file, which takes precedence over scoring.thresholds; override it at runtime "
            f"with `vmsdq settings set entities.{name}.threshold VALUE`"
        )


def _version(stored: StoredConfig) -> ConfigVersion:
    return ConfigVersion(
        version=stored.version,
        settings=Settings.model_validate(stored.settings),
        note=stored.note,
        created_at=stored.created_at,
        yaml_digest=stored.yaml_digest,
    )
