"""HTTP side of the fake Salesforce org: routing, sessions, errors and the response bytes."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from vmsdq.demo.salesforce import fake_bulk, fake_rest
from vmsdq.demo.salesforce.fake_auth import soap_login, token_login
from vmsdq.demo.salesforce.fake_bulk import HttpError, Response
from vmsdq.demo.salesforce.fake_describe import describe
from vmsdq.demo.salesforce.fake_soql import SoqlError

if TYPE_CHECKING:
    from vmsdq.demo.salesforce.fake_server import FakeSalesforce

_DATA = re.compile(r"^/services/data/v(\d+\.\d+)/(.*)$")
_MORE = re.compile(r"^(query|queryAll)/(01g\w+)-(\d+)$")
_JOB = re.compile(r"^jobs/query/(750\w+)(/results)?$")
_DESCRIBE = re.compile(r"^sobjects/(\w+)/describe$")


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

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if method == "POST" and url.path.startswith("/services/Soap/u/"):
            status, xml = soap_login(self.org, body, url.path)
            self._send(Response(status, xml.encode(), "text/xml; charset=utf-8", {}))
            return
        if method == "POST" and url.path == "/services/oauth2/token":
            status, payload = token_login(self.org, body, self.headers.get("Authorization", ""))
            self._send_json(status, payload)
            return
        match = _DATA.match(url.path.rstrip("/"))
        if match is None:
            self._send_json(404, [{"errorCode": "NOT_FOUND", "message": "Not found"}])
            return
        try:
            self._send(self._data_call(method, match[2], parse_qs(url.query), body))
        except HttpError as err:
            self._send_json(err.status, [{"message": err.message, "errorCode": err.code}])
        except SoqlError as err:
            self._send_json(400, [{"message": err.message, "errorCode": err.code}])
        except Exception as err:  # noqa: BLE001 - answer like Salesforce, never drop the socket
            message = f"An unexpected error occurred: {type(err).__name__}"
            self._send_json(500, [{"message": message, "errorCode": "UNKNOWN_EXCEPTION"}])

    def _data_call(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> Response:
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
            size = fake_rest.batch_size(
                self.headers.get("Sforce-Query-Options", ""), org.batch_size
            )
            return _json(fake_rest.query_page(org, compiled, table, 0, size))
        if method == "GET" and (more := _MORE.match(path)):
            found = org.state.cursors.get(more[2])
            if found is None:
                raise HttpError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            size = fake_rest.batch_size(
                self.headers.get("Sforce-Query-Options", ""), org.batch_size
            )
            return _json(fake_rest.query_page(org, found[0], found[1], int(more[3]), size, more[2]))
        if method == "GET" and (described := _DESCRIBE.match(path)):
            return _json(describe(org.schema, _object(org, unquote(described[1]))))
        if method == "POST" and path == "jobs/query":
            return _json(fake_bulk.create_job(org, body))
        if job := _JOB.match(path):
            gzip = "gzip" in self.headers.get("Accept-Encoding", "")
            return fake_bulk.job_call(org, method, job[1], bool(job[2]), query, gzip)
        raise HttpError(404, "NOT_FOUND", "The requested resource does not exist")

    def _check_session(self) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        if token not in self.org.state.sessions:
            raise HttpError(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(_json(payload, status))

    def _send(self, response: Response) -> None:
        body, length = response.body, len(response.body)
        org = self.org
        with org.lock:
            broken = response.content_type == "text/csv" and org.state.broken_downloads > 0
            org.state.broken_downloads -= int(broken)
            bad_gzip = response.content_type == "text/csv" and org.state.bad_gzip > 0
            org.state.bad_gzip -= int(bad_gzip)
        if bad_gzip:
            body = b"\x1f\x8b\x08\x00not-gzip-at-all"
            length = len(body)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Sforce-Limit-Info", f"api-usage={org.api_calls}/15000")
        for name, value in response.headers.items():
            if not (bad_gzip and name == "Content-Encoding"):
                self.send_header(name, value)
        if bad_gzip:
            self.send_header("Content-Encoding", "gzip")
        if broken:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if broken else body)
        if broken:
            self.wfile.flush()
            self.close_connection = True


def _json(payload: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(payload).encode(), "application/json;charset=UTF-8", {})


def _object(org: FakeSalesforce, name: str) -> str:
    for obj in org.schema.columns:
        if obj.lower() == name.lower():
            return obj
    raise HttpError(404, "NOT_FOUND", f"The requested resource does not exist: sObject {name}")


def _kind(method: str, path: str) -> str:
    if path in ("query", "queryAll"):
        return path
    if _MORE.match(path):
        return "queryMore"
    if _DESCRIBE.match(path):
        return "describe"
    if path == "jobs/query":
        return "jobCreate"
    job = _JOB.match(path)
    if job:
        if method in ("DELETE", "PATCH"):
            return "jobDelete" if method == "DELETE" else "jobAbort"
        return "jobResults" if job[2] else "jobStatus"
    return "other"
