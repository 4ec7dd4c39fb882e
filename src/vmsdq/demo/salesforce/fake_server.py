"""A local fake Salesforce org that speaks the real REST and Bulk API 2.0 protocol.

Objects are Arrow tables (or Parquet files) served from ``http://127.0.0.1:<port>``:
SOAP login (``/services/Soap/u/<ver>``, refused from API 65.0 on), OAuth client credentials
and JWT bearer (``/services/oauth2/token``), ``sobjects/<Object>/describe``,
``query``/``queryAll`` with ``nextRecordsUrl`` paging (relationship fields nested, compound
fields as objects) and Bulk API 2.0 query jobs (gzip, ``Sforce-Locator`` paging, compound
fields refused). Only 18-character Ids are accepted, and text is never ``""`` (Salesforce
stores null). Knobs inject expired sessions, ``REQUEST_LIMIT_EXCEEDED``, 5xx bursts, Failed
or Aborted jobs, broken downloads and short pages; ``api_calls`` counts the data API requests
served. Used by the tests and by ``vmsdq demo --salesforce-server``::

    with FakeSalesforce({"Contact": table}) as org:
        ...  # point a source at org.url
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from vmsdq.demo.salesforce.fake_bulk import BulkJob
from vmsdq.demo.salesforce.fake_describe import Relationships, schema_of
from vmsdq.demo.salesforce.fake_soql import CompiledSoql, Schema, compile_soql, view_name

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

ORG_ID = "00D5g000000FAKEEAA"
USER_ID = "0055g000000FAKEAAA"


@dataclass(frozen=True)
class FakeCredentials:
    """What the fake org accepts. ``public_key_pem`` enables the JWT bearer flow."""

    username: str = "integration@vms.example.org"
    password: str = "correct-horse-battery"
    security_token: str = "TOKEN1234567890"
    consumer_key: str = "3MVG9fake.consumer.key"
    consumer_secret: str = "FAKE0CONSUMER0SECRET0123456789"
    public_key_pem: bytes | None = None
    jwt_audiences: tuple[str, ...] = ("https://login.salesforce.com", "https://test.salesforce.com")
    soap_login: bool = True  # False: like a new org, where an admin has not enabled it


@dataclass
class Injection:
    status: int
    code: str
    message: str


@dataclass
class _State:
    sessions: set[str] = field(default_factory=set)
    cursors: dict[str, tuple[CompiledSoql, pa.Table]] = field(default_factory=dict)
    jobs: dict[str, BulkJob] = field(default_factory=dict)
    injections: deque[Injection] = field(default_factory=deque)
    job_outcomes: deque[tuple[str, str]] = field(default_factory=deque)  # (state, errorMessage)
    broken_downloads: int = 0  # result pages cut off mid-body
    short_pages: int = 0  # result pages missing their last record
    bad_gzip: int = 0  # result pages whose gzip body does not decompress
    calls: Counter[str] = field(default_factory=Counter)
    logins: int = 0


class FakeSalesforce:
    """The fake org. Start and stop it with ``with`` (or ``start()``/``stop()``)."""

    ORG_ID = ORG_ID
    USER_ID = USER_ID

    def __init__(
        self,
        objects: Mapping[str, pa.Table | str | Path],
        *,
        credentials: FakeCredentials | None = None,
        batch_size: int = 2000,
        bulk_polls: int = 1,
        bulk_page_limit: int = 100_000,
        api_version: str = "59.0",
        host: str = "127.0.0.1",
        port: int = 0,
        relationships: Relationships | None = None,
        hidden: dict[str, set[str]] | None = None,
    ) -> None:
        import duckdb

        self.credentials = credentials or FakeCredentials()
        self.batch_size = batch_size  # REST records per page (Salesforce: 2000)
        self.bulk_polls = bulk_polls  # status polls a job stays InProgress
        self.bulk_page_limit = bulk_page_limit  # result rows per page without maxRecords
        self.api_version = api_version
        self.lock = threading.RLock()
        self.state = _State()
        self._con: duckdb.DuckDBPyConnection = duckdb.connect()
        self.tables: dict[str, pa.Table] = {}
        self.relationships = relationships or {}  # object -> relationship -> (field, object)
        self.hidden = hidden or {}  # object -> fields field-level security hides
        self.schema = Schema({})
        for name, table in objects.items():
            self.put(name, table)
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_folder(cls, folder: str | Path, **options: Any) -> FakeSalesforce:
        """An org serving every ``<Object>.parquet`` in ``folder`` (e.g. ``Contact.parquet``)."""
        files = sorted(Path(folder).glob("*.parquet"))
        if not files:
            raise FileNotFoundError(f"no <Object>.parquet files in {folder}")
        return cls({f.stem: f for f in files}, **options)

    # ---- lifecycle ----

    def start(self) -> Self:
        from vmsdq.demo.salesforce.fake_http import FakeHandler

        server = ThreadingHTTPServer(self._address, FakeHandler)
        server.daemon_threads = True
        server.org = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._con.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("the fake Salesforce server is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ---- data ----

    def put(self, name: str, table: pa.Table | str | Path) -> None:
        """Load (or replace) an object's records.

        Needs ``Id`` (18-character case-safe Ids only, as a real org returns); adds
        ``IsDeleted`` and ``SystemModstamp`` when absent; empty text becomes null.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = table if isinstance(table, pa.Table) else pq.read_table(table)
        if "Id" not in data.column_names:
            raise ValueError(f"object {name}: the records need an 'Id' column")
        bad = unreal_ids(data.column("Id"))
        if bad:
            raise ValueError(f"object {name}: {len(bad)} Ids a real org never returns: {bad[:3]}")
        data = _no_empty_text(data)
        if "IsDeleted" not in data.column_names:
            data = data.append_column("IsDeleted", pa.array([False] * data.num_rows))
        if "SystemModstamp" not in data.column_names:
            now = datetime.now(UTC).replace(microsecond=0)
            stamps = pa.array([now] * data.num_rows, pa.timestamp("ms", "UTC"))
            data = data.append_column("SystemModstamp", stamps)
        with self.lock:
            self.tables[name] = data
            self._con.register(view_name(name), data)
            self.schema = schema_of(self.tables, self.relationships, self.hidden)

    def run(self, soql: str, *, include_deleted: bool) -> tuple[CompiledSoql, pa.Table]:
        """Run a SOQL query; raises ``SoqlError`` like Salesforce would reject it."""
        compiled = compile_soql(soql, self.schema, include_deleted=include_deleted)
        with self.lock:
            result = self._con.execute(compiled.sql).to_arrow_table()
        return compiled, result

    # ---- sessions and knobs ----

    def issue_session(self) -> str:
        """A new valid session id (what a login returns; also for session-id auth)."""
        sid = f"{ORG_ID}!AQ{secrets.token_urlsafe(32)}"
        with self.lock:
            self.state.sessions.add(sid)
        return sid

    def expire_sessions(self) -> None:
        """Invalidate every session: the next call gets 401 INVALID_SESSION_ID."""
        with self.lock:
            self.state.sessions.clear()

    def inject(self, status: int, code: str, message: str, times: int = 1) -> None:
        """Answer the next ``times`` data API calls with this error."""
        with self.lock:
            self.state.injections.extend(Injection(status, code, message) for _ in range(times))

    def fail_jobs(self, state: str = "Failed", message: str = "", times: int = 1) -> None:
        """The next ``times`` Bulk jobs end ``Failed`` or ``Aborted`` with this errorMessage."""
        with self.lock:
            self.state.job_outcomes.extend((state, message) for _ in range(times))

    def break_downloads(self, times: int = 1, *, short: bool = False, gzip: bool = False) -> None:
        """The next result pages are cut off mid-body (or miss a record, or bad gzip)."""
        with self.lock:
            if short:
                self.state.short_pages += times
            elif gzip:
                self.state.bad_gzip += times
            else:
                self.state.broken_downloads += times

    def limit_exceeded(self, times: int = 1) -> None:
        self.inject(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", times)

    def server_errors(self, times: int = 1, status: int = 503) -> None:
        code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
        self.inject(status, code, "An unexpected error occurred. Please try again.", times)

    def source_env(self, prefix: str = "SALESFORCE_") -> dict[str, str]:
        """Environment for a source with ``domain: <url>`` pointing here (every auth mode)."""
        c = self.credentials
        return {
            f"{prefix}USERNAME": c.username,
            f"{prefix}PASSWORD": c.password,
            f"{prefix}SECURITY_TOKEN": c.security_token,
            f"{prefix}CONSUMER_KEY": c.consumer_key,
            f"{prefix}CONSUMER_SECRET": c.consumer_secret,
        }

    # ---- counters ----

    @property
    def api_calls(self) -> int:
        """Data API requests served (REST and Bulk, errors included; logins excluded)."""
        return sum(self.state.calls.values())

    @property
    def calls(self) -> dict[str, int]:
        """Data API requests served by kind (query, queryMore, jobCreate, ...)."""
        return dict(self.state.calls)

    @property
    def logins(self) -> int:
        return self.state.logins

    def reset_counters(self) -> None:
        with self.lock:
            self.state.calls.clear()
            self.state.logins = 0


def unreal_ids(ids: pa.ChunkedArray) -> list[Any]:
    """Ids no org returns (not 18 characters, or a suffix that does not match), vectorised."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from vmsdq.demo.columns import sf_checksum

    text = pc.cast(ids, pa.string())
    shaped = pc.fill_null(pc.match_substring_regex(text, r"^[A-Za-z0-9]{15}[A-Z0-5]{3}$"), False)
    if not pc.all(shaped).as_py():
        return [i for i in text.filter(pc.invert(shaped)).to_pylist()]
    raw = pc.cast(text, pa.binary(18)).combine_chunks()
    matrix = np.frombuffer(raw.buffers()[1], dtype=np.uint8).reshape(len(raw), 18)
    wrong = (sf_checksum(matrix[:, :15]) != matrix[:, 15:]).any(axis=1)
    return [i for i in text.filter(pa.array(wrong)).to_pylist()]


def _no_empty_text(table: pa.Table) -> pa.Table:
    """Salesforce never stores an empty string: text fields hold null instead."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, column in enumerate(table.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            empty = pc.equal(column, "")
            table = table.set_column(i, table.field(i), pc.if_else(empty, None, column))
    return table


def jsonable(value: Any) -> Any:
    """A value as Salesforce's REST API writes it in JSON."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


def main(argv: list[str] | None = None) -> None:
    """``python -m vmsdq.demo.salesforce.fake_server DIR``: serve DIR until Ctrl-C."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Serve <Object>.parquet files as a fake org.")
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with FakeSalesforce.from_folder(args.folder, port=args.port) as org:
        creds = org.credentials
        print(f"fake Salesforce at {org.url} serving {', '.join(sorted(org.tables))}")
        print(f"username {creds.username}; password and token: see FakeCredentials", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
