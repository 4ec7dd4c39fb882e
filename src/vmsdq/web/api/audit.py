"""The audit log for admins: read page by page, export whole, verify the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Response, stream_with_context
from pydantic import Field

from vmsdq.services import audit
from vmsdq.services.views import page_view
from vmsdq.web.api import bp, models
from vmsdq.web.api.spec import Operation, operation
from vmsdq.web.state import ctx


class AuditQuery(models.Query):
    action: str | None = Field(default=None, max_length=64, description="e.g. rows.export")
    cursor: str | None = models.Cursor
    limit: int = models.Limit


class AuditExportQuery(models.Query):
    format: Literal["csv", "json"] = Field(default="csv", description="csv, or json lines")


class AuditEntry(models.View):
    seq: int
    at: datetime
    actor: str
    role: str
    origin: str = Field(description="an IP address, cli, worker")
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(models.View):
    items: list[AuditEntry]
    next_cursor: str | None


class AuditVerification(models.View):
    ok: bool
    entries: int
    problems: list[str]


@operation(
    bp,
    Operation(
        "/audit",
        "GET",
        "list_audit",
        "The audit log, newest first (admins)",
        "audit",
        query=AuditQuery,
        response=AuditPage,
        errors=(400, 403),
    ),
)
def list_audit(query: AuditQuery) -> dict[str, Any]:
    page = audit.entries(ctx(), cursor=query.cursor, limit=query.limit, action=query.action)
    return page_view(page, lambda e: e.to_dict())


@operation(
    bp,
    Operation(
        "/audit/export",
        "GET",
        "export_audit",
        "The whole audit log, oldest first, as CSV or JSON lines (admins; recorded)",
        "audit",
        query=AuditExportQuery,
        produces=("text/csv", "application/x-ndjson"),
        errors=(400, 403),
    ),
)
def export_audit(query: AuditExportQuery) -> Response:
    chunks = audit.export(ctx(), query.format)
    media = "text/csv" if query.format == "csv" else "application/x-ndjson"
    response = Response(stream_with_context(chunks), mimetype=media)
    response.headers["Content-Disposition"] = f'attachment; filename="audit.{query.format}"'
    return response


@operation(
    bp,
    Operation(
        "/audit/verify",
        "GET",
        "verify_audit",
        "Check the hash chain: an edited or deleted entry is named (admins)",
        "audit",
        response=AuditVerification,
        errors=(403,),
    ),
)
def verify_audit() -> dict[str, Any]:
    report = audit.verify(ctx())
    return {"ok": report.ok, "entries": report.entries, "problems": report.problems}
