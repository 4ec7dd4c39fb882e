"""The audit log: every state change and every view or export of row-level personal data.

Use cases call :func:`record` after the permission check and before returning data, so what
an actor saw or changed is on record even when the caller goes away. Admins read and export
the log; ``vmsdq audit verify`` checks every chain in a results database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vmsdq.core.errors import ConfigError
from vmsdq.services.context import Context, load, store_url
from vmsdq.services.exports import neutralise
from vmsdq.store.db import Database
from vmsdq.store.pages import Page
from vmsdq.store.repos import Repositories
from vmsdq.store.repos.audit import AuditEntry, ChainReport, scopes

FORMATS = ("csv", "json")
COLUMNS = ("seq", "at", "actor", "role", "origin", "action", "target", "detail", "hash")


def record(ctx: Context, action: str, target: str = "", **detail: Any) -> AuditEntry:
    """Append one entry for ``ctx``'s actor (who, what, when, from where)."""
    entry = AuditEntry(
        seq=0,
        at=ctx.clock(),
        actor=ctx.actor.name,
        role=ctx.actor.role,
        origin=ctx.actor.origin,
        action=action,
        target=target,
        detail={k: v for k, v in detail.items() if v is not None},
    )
    return ctx.repos.audit.append(entry)


def entries(
    ctx: Context, *, cursor: str | None = None, limit: int = 100, action: str | None = None
) -> Page[AuditEntry]:
    """One page of the log, newest first (admins)."""
    ctx.require("admin")
    return ctx.repos.audit.page(cursor=cursor, limit=limit, action=action)


def export(ctx: Context, fmt: str) -> Iterator[bytes]:
    """The whole log, oldest first, as CSV or JSON lines (admins; the export is recorded)."""
    ctx.require("admin")
    if fmt not in FORMATS:
        raise ConfigError(f"format '{fmt}' is not one of: {', '.join(FORMATS)}")
    record(ctx, "audit.export", fmt=fmt)
    return _csv(ctx) if fmt == "csv" else _jsonl(ctx)


def verify(ctx: Context) -> ChainReport:
    """Check this project's chain (admins)."""
    ctx.require("admin")
    return ctx.repos.audit.verify()


def verify_database(project_dir: Path | str) -> list[ChainReport]:
    """Check every chain in a project's results database (``vmsdq audit verify``)."""
    db = Database.connect(store_url(load(project_dir)))
    return [Repositories(db, t, p).audit.verify() for t, p in scopes(db)]


def _csv(ctx: Context) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in ctx.repos.audit.all():
        d = e.to_dict()
        writer.writerow(
            [
                neutralise(json.dumps(d[c], sort_keys=True) if c == "detail" else d[c])
                for c in COLUMNS
            ]
        )
        if buf.tell() > 64_000:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode()


def _jsonl(ctx: Context) -> Iterator[bytes]:
    for e in ctx.repos.audit.all():
        yield (json.dumps(e.to_dict(), sort_keys=True) + "\n").encode()
