"""The ``salesforce`` source: reads an entity's mirror object into a snapshot.

The table has the mirror's field names as the mapping spells them (the key, every mapped
field, ``SystemModstamp``, ``IsDeleted``), after each was checked against ``describe()``;
records in the recycle bin are included with ``IsDeleted = true``. The first read is full;
later reads fetch the records with ``SystemModstamp >= watermark - lookback_seconds``
(``queryAll``, so deletions arrive too), merge them into the local copy by key, and re-read
fully whenever the copy's count differs from Salesforce's. REST or Bulk 2.0 is chosen by a
``SELECT COUNT()`` against ``bulk_threshold``. Any error is a ``SalesforceError``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmsdq.core.errors import VmsdqError
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.workspace import Workspace
from vmsdq.sources.salesforce.client import RetryPolicy, SalesforceClient
from vmsdq.sources.salesforce.credentials import load_credentials
from vmsdq.sources.salesforce.errors import SalesforceQueryError, redact
from vmsdq.sources.salesforce.reader import BulkOptions, count_records, read_bulk, read_rest
from vmsdq.sources.salesforce.soql import IS_DELETED, Plan, build_query, mirror_of, plan_of
from vmsdq.sources.salesforce.state import StateStore
from vmsdq.sources.salesforce.tables import deduplicated, deleted_count, merge, watermark

if TYPE_CHECKING:
    import pyarrow as pa

    from vmsdq.core.words import FieldType
    from vmsdq.spec.models import EntitySpec, SalesforceSourceSpec


@dataclass
class _Fetch:
    query: str
    mode: str  # rest | bulk
    read: str  # full | incremental
    table: pa.Table
    warnings: dict[str, str]


class SalesforceSource:
    """Reads mirrored entities from a Salesforce org (REST or Bulk API 2.0)."""

    def __init__(
        self,
        name: str,
        spec: SalesforceSourceSpec,
        *,
        root: Path,
        workspace: Workspace,
        incremental: bool = True,
        retry: RetryPolicy | None = None,
        bulk: BulkOptions | None = None,
    ) -> None:
        self.name = name
        self.spec = spec
        self.root = Path(root)
        self.incremental = incremental
        self.retry = retry or RetryPolicy()
        self.bulk = bulk or BulkOptions()
        self.state = StateStore(workspace.state, name)
        self._client: SalesforceClient | None = None

    @property
    def client(self) -> SalesforceClient:
        """The connection, logged in on first use (credentials read then)."""
        if self._client is None:
            creds = load_credentials(self.name, self.spec, root=self.root)
            self._client = SalesforceClient(self.name, self.spec, creds, self.retry)
        return self._client

    def read(self, entity: EntitySpec) -> Snapshot:
        """Read the entity's mirror object; every failure is a ``SalesforceError``."""
        try:
            with self.state.lock(entity.entity):
                return self._read(entity)
        except VmsdqError:
            raise
        except Exception as exc:  # noqa: BLE001 - one entity's failure must not end the run
            secrets = self._client.credentials.secrets() if self._client else []
            raise SalesforceQueryError(
                f"{self._what(entity)}: unexpected {type(exc).__name__}: "
                f"{redact(str(exc), secrets)[:300]}"
            ) from None

    def column_types(self, entity: EntitySpec) -> dict[str, FieldType]:
        """None known before reading: a mirror's columns are typed by its field mapping."""
        return {}

    def plan(self, entity: EntitySpec) -> Plan:
        """The entity's fields checked against ``describe()`` (cached for this run)."""
        what = self._what(entity)
        return plan_of(entity, lambda obj: self.client.describe(obj, what))

    def _read(self, entity: EntitySpec) -> Snapshot:
        started = time.perf_counter()
        mirror = mirror_of(entity)
        calls_before, logins_before = self.client.api_calls, self.client.logins
        plan = self.plan(entity)
        signature = _signature(build_query(entity, plan))
        entry = self.state.get(entity.entity) if self.incremental else None
        previous = self._previous(entity.entity, entry, signature)
        if previous is not None and entry is not None:
            since = datetime.fromisoformat(entry["watermark"])
            since -= timedelta(seconds=self.spec.lookback_seconds)
            fetch = self._fetch(entity, plan, since)
            table = merge(previous, fetch.table, mirror.key)
            total = self._count(entity, plan)
            if table.num_rows != total:  # a commit we missed, a purge, a record left the filter
                local = table.num_rows
                fetch = self._fetch(entity, plan, None)
                table = fetch.table
                fetch.read = f"full (the local copy had {local} records, Salesforce {total})"
        else:
            fetch = self._fetch(entity, plan, None)
            table = fetch.table
        mark = watermark(table, mirror.modstamp) or (entry or {}).get("watermark")
        self._save(entity.entity, table, signature, mark)
        meta: dict[str, Any] = {
            "source": self.name,
            "object": plan.object,
            "query": fetch.query,
            "mode": fetch.mode,
            "read": fetch.read,
            "rows": table.num_rows,
            "changed_rows": fetch.table.num_rows,
            "deleted_rows": deleted_count(table),
            "watermark": mark,
            "lookback_seconds": self.spec.lookback_seconds,
            "api_calls": self.client.api_calls - calls_before,
            "logins": self.client.logins - logins_before,
            "api_usage": self.client.session.limit_info,
            "read_seconds": round(time.perf_counter() - started, 3),
        }
        if fetch.warnings:
            meta["type_warnings"] = fetch.warnings
        location = f"salesforce:{self.name}/{plan.object}"
        return Snapshot(entity=entity.entity, location=location, table=table, meta=meta)

    def _fetch(self, entity: EntitySpec, plan: Plan, since: datetime | None) -> _Fetch:
        """Records changed from ``since`` on (all when None), REST or Bulk by their count."""
        from vmsdq.sources.salesforce.arrow import cast_columns, text_schema

        what = self._what(entity)
        soql = build_query(entity, plan, since=since)
        count = self._count(entity, plan, since)
        mode = "bulk" if count >= self.spec.bulk_threshold and count > 0 else "rest"
        api_fields = list(dict.fromkeys(plan.columns.values()))
        if count == 0:
            text = text_schema(api_fields).empty_table()
        elif mode == "bulk":
            text = read_bulk(self.client, soql, api_fields, what, self.bulk)
        else:
            text = read_rest(self.client, soql, api_fields, what)
        table, warnings = cast_columns(_columns(text, plan), plan.types)
        table = deduplicated(table, mirror_of(entity).key)
        return _Fetch(soql, mode, "full" if since is None else "incremental", table, warnings)

    def _count(self, entity: EntitySpec, plan: Plan, since: datetime | None = None) -> int:
        soql = build_query(entity, plan, since=since, count=True)
        return count_records(self.client, soql, self._what(entity))

    def _what(self, entity: EntitySpec) -> str:
        obj = entity.mirror.object if entity.mirror else "?"
        return f"source '{self.name}', entity '{entity.entity}' (Salesforce object {obj})"

    def read_mirror(self, entity: EntitySpec) -> Snapshot:
        """The same as :meth:`read`: this source only ever serves the other system."""
        return self.read(entity)

    def close(self) -> None:
        """Close the HTTP connections (the source logs in again if used afterwards)."""
        if self._client is not None:
            self._client.session.close()
            self._client = None

    def reset(self, entity: str) -> None:
        """Forget the watermark and local copy: the next read is full."""
        self.state.forget(entity)

    def _previous(self, entity: str, entry: dict[str, Any] | None, sig: str) -> pa.Table | None:
        if entry is None or entry.get("signature") != sig or not entry.get("watermark"):
            return None
        return self.state.read_copy(entity)

    def _save(self, entity: str, table: pa.Table, signature: str, mark: str | None) -> None:
        self.state.write_copy(entity, table)
        self.state.put(
            entity,
            {
                "signature": signature,
                "watermark": mark,
                "rows": table.num_rows,
                "read_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )


def _columns(text: pa.Table, plan: Plan) -> pa.Table:
    """API-named text columns as the snapshot's columns (the mapping's spelling)."""
    import pyarrow as pa

    columns = {column: text.column(api) for column, api in plan.columns.items()}
    if IS_DELETED not in columns:  # an object without a recycle bin (User): nothing deleted
        columns[IS_DELETED] = pa.chunked_array([pa.array(["false"] * text.num_rows, pa.string())])
    order = [c for c in plan.types if c in columns]
    return pa.table([columns[c] for c in order], names=order)


def _signature(soql: str) -> str:
    return hashlib.sha256(soql.encode()).hexdigest()[:16]
