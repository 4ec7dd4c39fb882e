"""Settings: read, validate, preview, update (every change a new version), diff versions."""

from __future__ import annotations

from typing import Any

from vmsdq.services import config_diff, scores, settings
from vmsdq.services.views import config_view, score_preview_view, settings_diff_view
from vmsdq.web.api import bp, models
from vmsdq.web.api.spec import Operation, operation
from vmsdq.web.reads import CachedView, cached_view
from vmsdq.web.state import ctx


@operation(
    bp,
    Operation(
        "/settings",
        "GET",
        "get_settings",
        "The settings in force",
        "settings",
        response=models.SettingsVersion,
    ),
)
def get_settings() -> CachedView:
    return cached_view(lambda: config_view(settings.in_force(ctx())))


@operation(
    bp,
    Operation(
        "/settings",
        "PUT",
        "update_setting",
        "Set one key; recorded as a new version",
        "settings",
        body=models.SettingChange,
        response=models.SettingsVersion,
        errors=(400, 403),
    ),
)
def update_setting(body: models.SettingChange) -> dict[str, Any]:
    return config_view(settings.update(ctx(), body.key, body.value))


@operation(
    bp,
    Operation(
        "/settings/validate",
        "POST",
        "validate_setting",
        "Check a change without saving it (a problem says why it is refused)",
        "settings",
        body=models.SettingChange,
        response=models.Validation,
    ),
)
def validate_setting(body: models.SettingChange) -> dict[str, Any]:
    settings.validate_change(ctx(), body.key, body.value)
    return {"valid": True, "key": body.key, "value": body.value}


@operation(
    bp,
    Operation(
        "/settings/preview",
        "POST",
        "preview_setting",
        "A run's scores under the settings in force and with the change",
        "settings",
        body=models.SettingPreview,
        response=models.ScorePreview,
    ),
)
def preview_setting(body: models.SettingPreview) -> dict[str, Any]:
    return score_preview_view(scores.preview(ctx(), body.key, body.value, run_id=body.run))


@operation(
    bp,
    Operation(
        "/settings/versions",
        "GET",
        "list_settings_versions",
        "Every version, oldest first (then the pending one if vmsdq.yaml changed)",
        "settings",
        response=models.SettingsVersions,
    ),
)
def list_settings_versions() -> CachedView:
    return cached_view(lambda: {"items": [config_view(v) for v in settings.history(ctx())]})


@operation(
    bp,
    Operation(
        "/settings/versions/<int:version>",
        "GET",
        "get_settings_version",
        "One version of the settings",
        "settings",
        response=models.SettingsVersion,
        params={"version": "a version number"},
    ),
)
def get_settings_version(version: int) -> CachedView:
    return cached_view(lambda: config_view(settings.get_version(ctx(), version)))


@operation(
    bp,
    Operation(
        "/settings/diff",
        "GET",
        "diff_settings",
        "What changed between two versions",
        "settings",
        query=models.DiffQuery,
        response=models.SettingsDiff,
    ),
)
def diff_settings(query: models.DiffQuery) -> CachedView:
    return cached_view(
        lambda: settings_diff_view(config_diff.diff_versions(ctx(), query.before, query.after))
    )
