"""The ``salesforce`` source: reads an entity's mirror object into a snapshot.

The table has the Salesforce field names (the mirror key, every mapped field,
``SystemModstamp``, ``IsDeleted``); records in the recycle bin are included with
``IsDeleted = true``. The first read is full; later reads fetch only records with
``SystemModstamp`` past the stored watermark (``queryAll``, so deletions arrive too) and
merge them into the local copy. REST or Bulk 2.0 is chosen by a ``SELECT COUNT()``
against ``bulk_threshold``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmsdq.core.snapshots import Snapshot
from vmsdq.sources.salesforce.client import RetryPolicy, SalesforceClient
from vmsdq.sources.salesforce.credentials import load_credentials
from vmsdq.sources.salesforce.reader import BulkOptions, count_records, read_bulk, read_rest
from vmsdq.sources.salesforce.soql import build_query, field_types, mirror_of
from vmsdq.sources.salesforce.state import StateStore

if TYPE_CHECKING:
    import pyarrow as pa

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
        artifacts: Path,
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
        self.state = StateStore(Path(artifacts), name)
        self._client: SalesforceClient | None = None

    @property
    def client(self) -> SalesforceClient:
        """The connection, logged in on first use (credentials read then)."""
        if self._client is None:
            creds = load_credentials(self.name, self.spec, root=self.root)
            self._client = SalesforceClient(self.name, self.spec, creds, self.retry)
        return self._client

    def read(self, entity: EntitySpec) -> Snapshot:
        """Read the entity's mirror object; raises ``SalesforceError`` subclasses."""
        started = time.perf_counter()
        mirror = mirror_of(entity)
        signature = _signature(build_query(entity))
        entry = self.state.get(entity.entity) if self.incremental else None
        previous = self._previous(entity.entity, entry, signature)
        calls_before, logins_before = self.client.api_calls, self.client.logins
        if previous is not None and entry is not None:
            fetch = self._fetch(entity, _parse_ts(entry["watermark"]))
            table = _merge(previous, fetch.table, mirror.key)
            if table.num_rows > self._count(entity):  # records left the filter or were purged
                fetch = self._fetch(entity, None)
                table, fetch.read = fetch.table, "full (the local copy had stale records)"
        else:
            fetch = self._fetch(entity, None)
            table = fetch.table
        watermark = _watermark(table, mirror.modstamp) or (entry or {}).get("watermark")
        self._save(entity.entity, table, signature, watermark)
        meta: dict[str, Any] = {
            "source": self.name,
            "object": mirror.object,
            "query": fetch.query,
            "mode": fetch.mode,
            "read": fetch.read,
            "rows": table.num_rows,
            "changed_rows": fetch.table.num_rows,
            "deleted_rows": _deleted(table),
            "watermark": watermark,
            "api_calls": self.client.api_calls - calls_before,
            "logins": self.client.logins - logins_before,
            "read_seconds": round(time.perf_counter() - started, 3),
        }
        if fetch.warnings:
            meta["type_warnings"] = fetch.warnings
        location = f"salesforce:{self.name}/{mirror.object}"
        return Snapshot(entity=entity.entity, location=location, table=table, meta=meta)

    def _fetch(self, entity: EntitySpec, since: datetime | None) -> _Fetch:
        """Records changed after ``since`` (all when None), REST or Bulk by their count."""
        from vmsdq.sources.salesforce.arrow import cast_columns, text_schema

        mirror, types = mirror_of(entity), field_types(entity)
        what = self._what(entity)
        soql = build_query(entity, since=since)
        count = self._count(entity, since)
        mode = "bulk" if count >= self.spec.bulk_threshold and count > 0 else "rest"
        fields = list(types)
        if count == 0:
            text = text_schema(fields).empty_table()
        elif mode == "bulk":
            text = read_bulk(self.client, mirror.object, soql, fields, what, self.bulk)
        else:
            text = read_rest(self.client, soql, fields, what)
        table, warnings = cast_columns(text, types)
        return _Fetch(soql, mode, "full" if since is None else "incremental", table, warnings)

    def _count(self, entity: EntitySpec, since: datetime | None = None) -> int:
        soql = build_query(entity, since=since, count=True)
        return count_records(self.client, soql, self._what(entity))

    def _what(self, entity: EntitySpec) -> str:
        obj = mirror_of(entity).object
        return f"source '{self.name}', entity '{entity.entity}' (Salesforce object {obj})"

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

    def _save(self, entity: str, table: pa.Table, signature: str, watermark: str | None) -> None:
        self.state.write_copy(entity, table)
        self.state.put(
            entity,
            {
                "signature": signature,
                "watermark": watermark,
                "rows": table.num_rows,
                "read_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )


def _signature(soql: str) -> str:
    return hashlib.sha256(soql.encode()).hexdigest()[:16]


def _merge(previous: pa.Table, changed: pa.Table, key: str) -> pa.Table:
    """``previous`` with every record in ``changed`` replaced or added (by key)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if changed.num_rows == 0:
        return previous
    kept = previous.filter(pc.invert(pc.is_in(previous.column(key), value_set=changed.column(key))))
    return pa.concat_tables([kept, changed.cast(kept.schema)], promote_options="permissive")


def _watermark(table: pa.Table, modstamp: str) -> str | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(modstamp)
    if table.num_rows == 0 or not pa.types.is_timestamp(column.type):
        return None
    newest = pc.max(column).as_py()
    return newest.astimezone(UTC).isoformat(timespec="milliseconds") if newest else None


def _parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _deleted(table: pa.Table) -> int:
    import pyarrow.compute as pc

    if "IsDeleted" not in table.column_names:
        return 0
    return int(pc.sum(pc.cast(table.column("IsDeleted"), "int64")).as_py() or 0)
