"""HTTP side of the fake Salesforce org: routing, auth, REST and Bulk 2.0 responses."""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from vmsdq.demo.salesforce.fake_auth import jwt_login, soap_login
from vmsdq.demo.salesforce.fake_server import BulkJob, jsonable
from vmsdq.demo.salesforce.fake_soql import SoqlError

if TYPE_CHECKING:
    import pyarrow as pa

    from vmsdq.demo.salesforce.fake_server import FakeSalesforce

_DATA = re.compile(r"^/services/data/v(\d+\.\d+)/(.*)$")
_MORE = re.compile(r"^(query|queryAll)/(01g\w+)-(\d+)$")
_JOB = re.compile(r"^jobs/query/(750\w+)(/results)?$")


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status, self.code, self.message = status, code, message


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSalesforce/1.0"
    wbufsize = 1 << 16  # headers and body leave in one segment (no Nagle delay)

    @property
    def org(self) -> FakeSalesforce:
        return self.server.org  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the fake server never logs requests (they carry session ids)."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if method == "POST" and url.path.startswith("/services/Soap/u/"):
            status, xml = soap_login(self.org, body)
            self._send(status, xml.encode(), "text/xml; charset=utf-8")
            return
        if method == "POST" and url.path == "/services/oauth2/token":
            status, payload = jwt_login(self.org, body, self.org.url)
            self._send_json(status, payload)
            return
        match = _DATA.match(url.path.rstrip("/"))
        if match is None:
            self._send_json(404, [{"errorCode": "NOT_FOUND", "message": "Not found"}])
            return
        try:
            self._data_call(method, match[2], parse_qs(url.query), body)
        except HttpError as err:
            self._send_json(err.status, [{"message": err.message, "errorCode": err.code}])
        except SoqlError as err:
            self._send_json(400, [{"message": err.message, "errorCode": err.code}])
        except Exception as err:  # noqa: BLE001 - answer like Salesforce, never drop the socket
            message = f"An unexpected error occurred: {type(err).__name__}"
            self._send_json(500, [{"message": message, "errorCode": "UNKNOWN_EXCEPTION"}])

    def _data_call(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        org = self.org
        with org.lock:
            org.state.calls[_kind(method, path)] += 1
            injected = org.state.injections.popleft() if org.state.injections else None
        self._check_session()
        if injected is not None:
            raise HttpError(injected.status, injected.code, injected.message)
        if method == "GET" and path in ("query", "queryAll"):
            soql = (query.get("q") or [""])[0]
            compiled, table = org.run(soql, include_deleted=path == "queryAll")
            self._query_page(path, compiled.object, table, compiled.count_only, 0)
        elif method == "GET" and (more := _MORE.match(path)):
            self._more(more[1], more[2], int(more[3]))
        elif method == "POST" and path == "jobs/query":
            self._create_job(body)
        elif job := _JOB.match(path):
            self._job_call(method, job[1], bool(job[2]), query)
        else:
            raise HttpError(404, "NOT_FOUND", "The requested resource does not exist")

    def _check_session(self) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        if token not in self.org.state.sessions:
            raise HttpError(401, "INVALID_SESSION_ID", "Session expired or invalid")

    # ---- REST query ----

    def _query_page(
        self, kind: str, obj: str, table: pa.Table, count_only: bool, offset: int, cursor: str = ""
    ) -> None:
        if count_only:
            total = table.column(0)[0].as_py()
            self._send_json(200, {"totalSize": total, "done": True, "records": []})
            return
        size = self._batch_size()
        page = table.slice(offset, size)
        payload: dict[str, Any] = {"totalSize": table.num_rows, "done": True}
        if offset + size < table.num_rows:
            cursor = cursor or f"01g{secrets.token_hex(7).upper()}"
            with self.org.lock:
                self.org.state.cursors[cursor] = (obj, table)
            payload["done"] = False
            version = self.org.api_version
            payload["nextRecordsUrl"] = f"/services/data/v{version}/{kind}/{cursor}-{offset + size}"
        payload["records"] = [self._record(obj, r) for r in page.to_pylist()]
        self._send_json(200, payload)

    def _more(self, kind: str, cursor: str, offset: int) -> None:
        found = self.org.state.cursors.get(cursor)
        if found is None:
            raise HttpError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        self._query_page(kind, found[0], found[1], False, offset, cursor)

    def _batch_size(self) -> int:
        options = self.headers.get("Sforce-Query-Options", "")
        found = re.search(r"batchSize=(\d+)", options)
        return min(2000, max(200, int(found[1]))) if found else self.org.batch_size

    def _record(self, obj: str, row: dict[str, Any]) -> dict[str, Any]:
        url = f"/services/data/v{self.org.api_version}/sobjects/{obj}/{row.get('Id', '')}"
        record: dict[str, Any] = {"attributes": {"type": obj, "url": url}}
        record.update((k, jsonable(v)) for k, v in row.items())
        return record

    # ---- Bulk API 2.0 query jobs ----

    def _create_job(self, body: bytes) -> None:
        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError as exc:
            raise HttpError(400, "JSON_PARSER_ERROR", "the request body is not JSON") from exc
        operation = request.get("operation")
        if operation not in ("query", "queryAll"):
            raise HttpError(400, "INVALIDJOB", f"InvalidJob : operation '{operation}'")
        soql = str(request.get("query") or "")
        compiled, table = self.org.run(soql, include_deleted=operation == "queryAll")
        if compiled.count_only:
            raise HttpError(400, "INVALIDJOB", "InvalidJob : COUNT() is not supported by Bulk")
        job = BulkJob(
            id=f"750{secrets.token_hex(6).upper()}AAA",
            operation=operation,
            query=soql,
            compiled=compiled,
            result=table,
            created=_now(),
            polls_left=self.org.bulk_polls,
        )
        with self.org.lock:
            self.org.state.jobs[job.id] = job
        self._send_json(200, self._job_info(job, "UploadComplete"))

    def _job_call(
        self, method: str, job_id: str, results: bool, query: dict[str, list[str]]
    ) -> None:
        job = self.org.state.jobs.get(job_id)
        if job is None or job.deleted:
            raise HttpError(404, "NOT_FOUND", f"Job {job_id} does not exist")
        if method == "DELETE":
            job.deleted = True
            self._send(204, b"", "text/plain")
        elif results:
            self._results(job, query)
        else:
            state = "InProgress" if job.polls_left > 0 else "JobComplete"
            job.polls_left -= 1
            self._send_json(200, self._job_info(job, state))

    def _results(self, job: BulkJob, query: dict[str, list[str]]) -> None:
        if job.polls_left >= 0:
            raise HttpError(400, "API_ERROR", f"Job {job.id} is not complete yet")
        offset = int(_unlocate(query.get("locator", [""])[0]))
        size = int(query.get("maxRecords", [str(self.org.bulk_page_limit)])[0])
        end = min(offset + max(size, 1), job.result.num_rows)
        locator = _locate(end) if end < job.result.num_rows else "null"
        page = job.result.slice(offset, end - offset)
        headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(page.num_rows)}
        self._send(200, _csv(page), "text/csv", headers)

    def _job_info(self, job: BulkJob, state: str) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": job.id,
            "operation": job.operation,
            "object": job.compiled.object,
            "createdById": "0055g000000FAKEAAA",
            "createdDate": job.created,
            "systemModstamp": _now(),
            "state": state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.org.api_version),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if state == "JobComplete":
            info |= {"numberRecordsProcessed": job.result.num_rows, "retries": 0}
        return info

    # ---- responses ----

    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self._send(status, body, "application/json;charset=UTF-8")

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Sforce-Limit-Info", f"api-usage={self.org.api_calls}/15000")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _kind(method: str, path: str) -> str:
    if path in ("query", "queryAll"):
        return path
    if _MORE.match(path):
        return "queryMore"
    if path == "jobs/query":
        return "jobCreate"
    job = _JOB.match(path)
    if job:
        return "jobDelete" if method == "DELETE" else ("jobResults" if job[2] else "jobStatus")
    return "other"


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


def _csv(table: pa.Table) -> bytes:
    """Records as Bulk 2.0 CSV: quoted values, empty for null, ISO datetimes in UTC."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            ms = pc.cast(column, pa.timestamp("ms", "UTC"))
            column = pc.strftime(ms, format="%Y-%m-%dT%H:%M:%SZ", locale="C")
        columns.append(column)
    out = pa.BufferOutputStream()
    data = pa.table(columns, names=table.column_names)
    pcsv.write_csv(data, out, pcsv.WriteOptions(quoting_style="all_valid"))
    return bytes(out.getvalue().to_pybytes())
