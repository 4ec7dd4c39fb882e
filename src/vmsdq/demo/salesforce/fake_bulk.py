"""Bulk API 2.0 query jobs of the fake org: create, poll, results pages, abort, delete.

Result pages are CSV with every value quoted, relationship fields as dotted columns, gzip
when the client accepts it (Salesforce always compresses them). Results asked for before
the job completes get ``412 JOB_NOT_COMPLETE``; compound fields are refused at creation.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from vmsdq.demo.salesforce.fake_server import FakeSalesforce
    from vmsdq.demo.salesforce.fake_soql import CompiledSoql


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status, self.code, self.message = status, code, message


@dataclass
class BulkJob:
    id: str
    operation: str
    query: str
    compiled: CompiledSoql
    result: pa.Table
    created: str
    polls_left: int
    outcome: tuple[str, str] | None = None  # a knob: end Failed/Aborted with this message
    state: str = "UploadComplete"
    deleted: bool = False


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


def create_job(org: FakeSalesforce, body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body or b"{}")
    except json.JSONDecodeError as exc:
        raise HttpError(400, "JSON_PARSER_ERROR", "the request body is not JSON") from exc
    operation = request.get("operation")
    if operation not in ("query", "queryAll"):
        raise HttpError(400, "INVALIDJOB", f"InvalidJob : operation '{operation}'")
    soql = str(request.get("query") or "")
    compiled, table = org.run(soql, include_deleted=operation == "queryAll")
    if compiled.count_only:
        raise HttpError(400, "INVALIDJOB", "InvalidJob : COUNT() is not supported by Bulk")
    if compiled.compounds:
        raise HttpError(400, "API_ERROR", "Selecting compound data not supported in Bulk Query")
    with org.lock:
        outcome = org.state.job_outcomes.popleft() if org.state.job_outcomes else None
        job = BulkJob(f"750{secrets.token_hex(6).upper()}AAA", operation, soql, compiled, table,
                      _now(), org.bulk_polls, outcome)  # fmt: skip
        org.state.jobs[job.id] = job
    return job_info(org, job)


def job_call(
    org: FakeSalesforce, method: str, job_id: str, results: bool, query: dict[str, list[str]],
    accept_gzip: bool,
) -> Response:  # fmt: skip
    job = org.state.jobs.get(job_id)
    if job is None or job.deleted:
        raise HttpError(404, "NOT_FOUND", f"Job {job_id} does not exist")
    if method == "DELETE":
        job.deleted = True
        return Response(204, b"", "text/plain", {})
    if method == "PATCH":
        job.state = "Aborted"
        return _json(job_info(org, job))
    if results:
        return _results(org, job, query, accept_gzip)
    if job.state in ("UploadComplete", "InProgress"):
        job.state = "InProgress" if job.polls_left > 0 else _final(job)
        job.polls_left -= 1
    return _json(job_info(org, job))


def _final(job: BulkJob) -> str:
    return job.outcome[0] if job.outcome else "JobComplete"


def _results(
    org: FakeSalesforce, job: BulkJob, query: dict[str, list[str]], accept_gzip: bool
) -> Response:
    if job.state != "JobComplete":
        raise HttpError(412, "JOB_NOT_COMPLETE", f"Job {job.id} is not complete yet")
    offset = int(_unlocate(query.get("locator", [""])[0]))
    size = int(query.get("maxRecords", [str(org.bulk_page_limit)])[0])
    end = min(offset + max(size, 1), job.result.num_rows)
    locator = _locate(end) if end < job.result.num_rows else "null"
    page = job.result.slice(offset, end - offset)
    headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(page.num_rows)}
    with org.lock:
        short = org.state.short_pages > 0 and page.num_rows > 0
        org.state.short_pages -= int(short)
    body = csv_of(page.slice(0, page.num_rows - 1) if short else page, job.compiled.fields)
    if accept_gzip:
        headers["Content-Encoding"] = "gzip"
        body = gzip.compress(body, compresslevel=1)
    return Response(200, body, "text/csv", headers)


def job_info(org: FakeSalesforce, job: BulkJob) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": job.id,
        "operation": job.operation,
        "object": job.compiled.object,
        "createdById": org.USER_ID,
        "createdDate": job.created,
        "systemModstamp": _now(),
        "state": job.state,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(org.api_version),
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    if job.state != "UploadComplete":
        info["jobType"] = "V2Query"
    if job.state == "JobComplete":
        info |= {"numberRecordsProcessed": job.result.num_rows, "retries": 0,
                 "totalProcessingTime": 334, "isPkChunkingSupported": True}  # fmt: skip
    if job.state in ("Failed", "Aborted") and job.outcome and job.outcome[1]:
        info["errorMessage"] = job.outcome[1]
    return info


def csv_of(table: pa.Table, fields: list[str]) -> bytes:
    """Records as Bulk 2.0 CSV: every value quoted, empty for null, ISO datetimes in UTC."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    columns = []
    for name in fields:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            ms = pc.cast(column, pa.timestamp("ms", "UTC"))
            column = pc.strftime(ms, format="%Y-%m-%dT%H:%M:%SZ", locale="C")  # %S: 05.123
        columns.append(column)
    out = pa.BufferOutputStream()
    data = pa.table(columns, names=fields)
    pcsv.write_csv(data, out, pcsv.WriteOptions(quoting_style="all_valid"))
    return bytes(out.getvalue().to_pybytes())


def _json(payload: Any) -> Response:
    return Response(200, json.dumps(payload).encode(), "application/json;charset=UTF-8", {})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _locate(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _unlocate(locator: str) -> str:
    if not locator or locator == "null":
        return "0"
    try:
        return base64.b64decode(locator + "=" * (-len(locator) % 4)).decode()
    except ValueError as exc:
        raise HttpError(400, "INVALID_LOCATOR", f"invalid locator: {locator}") from exc
