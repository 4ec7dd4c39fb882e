"""What changed between two versions of the settings, key by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vmsdq.services.context import Context
from vmsdq.services.settings import as_pairs, get_version, history, in_force

MISSING = None


@dataclass(frozen=True)
class SettingChange:
    key: str
    before: Any  # None when the key did not exist
    after: Any  # None when the key was removed


@dataclass(frozen=True)
class SettingsDiff:
    before: int
    after: int
    changes: list[SettingChange]


def diff_versions(
    ctx: Context, before: int | None = None, after: int | None = None
) -> SettingsDiff:
    """Changes from version ``before`` (default: the one before ``after``) to ``after``
    (default: the settings in force)."""
    ctx.require("read")
    new = get_version(ctx, after) if after is not None else in_force(ctx)
    if before is None:
        older = [v for v in history(ctx) if v.version < new.version]
        old = older[-1] if older else new
    else:
        old = get_version(ctx, before)
    a, b = as_pairs(old), as_pairs(new)
    changes = [
        SettingChange(k, a.get(k, MISSING), b.get(k, MISSING))
        for k in sorted(set(a) | set(b))
        if a.get(k, MISSING) != b.get(k, MISSING)
    ]
    return SettingsDiff(old.version, new.version, changes)
