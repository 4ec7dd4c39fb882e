"""REST side of the fake org: query pages and records as Salesforce writes them in JSON.

A relationship field comes back nested (``"Account": {"attributes": ..., "Name": ...}``, or
``"Account": null`` without a parent); a compound address as an object with its components.
``queryAll``'s ``nextRecordsUrl`` uses ``/query/``, as Salesforce's does.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from vmsdq.demo.salesforce.fake_server import jsonable

if TYPE_CHECKING:
    import pyarrow as pa

    from vmsdq.demo.salesforce.fake_server import FakeSalesforce
    from vmsdq.demo.salesforce.fake_soql import CompiledSoql

PARENT, COMPOUND = "__parent:", "__compound:"


def query_page(
    org: FakeSalesforce, compiled: CompiledSoql, table: pa.Table, offset: int, size: int,
    cursor: str = "",
) -> dict[str, Any]:  # fmt: skip
    """One page of a query result (``totalSize``, ``done``, ``nextRecordsUrl``, ``records``)."""
    if compiled.count_only:
        return {"totalSize": table.column(0)[0].as_py(), "done": True, "records": []}
    page = table.slice(offset, size)
    payload: dict[str, Any] = {"totalSize": table.num_rows, "done": True}
    if offset + size < table.num_rows:
        cursor = cursor or f"01g{secrets.token_hex(7).upper()}"
        with org.lock:
            org.state.cursors[cursor] = (compiled, table)
        payload["done"] = False
        payload["nextRecordsUrl"] = (
            f"/services/data/v{org.api_version}/query/{cursor}-{offset + size}"
        )
    payload["records"] = [record(org, compiled, row) for row in page.to_pylist()]
    return payload


def batch_size(header: str, default: int) -> int:
    """``Sforce-Query-Options: batchSize=n``, clamped to 200..2000 as Salesforce does."""
    found = re.search(r"batchSize=(\d+)", header)
    return min(2000, max(200, int(found[1]))) if found else default


def record(org: FakeSalesforce, compiled: CompiledSoql, row: dict[str, Any]) -> dict[str, Any]:
    out = _attributes(org, compiled.object, row.get("Id"))
    parents = {k[len(PARENT) :]: v for k, v in row.items() if k.startswith(PARENT)}
    for name in compiled.fields:
        if name in compiled.compounds:
            out[name] = _compound(row, name)
            continue
        *path, last = name.split(".")
        target = _parent(org, compiled, out, path, parents)
        if target is not None:
            target[last] = jsonable(row.get(name))
    return out


def _parent(
    org: FakeSalesforce, compiled: CompiledSoql, out: dict[str, Any], path: list[str],
    parents: dict[str, Any],
) -> dict[str, Any] | None:  # fmt: skip
    node = out
    for depth in range(len(path)):
        prefix = ".".join(path[: depth + 1])
        if parents.get(prefix) is None:  # no parent record: the relationship is null
            node.setdefault(path[depth], None)
            return None
        child = node.get(path[depth])
        if child is None:
            child = _attributes(org, compiled.parents[prefix], parents[prefix])
            node[path[depth]] = child
        node = child
    return node


def _attributes(org: FakeSalesforce, obj: str, record_id: Any) -> dict[str, Any]:
    url = f"/services/data/v{org.api_version}/sobjects/{obj}/{record_id or ''}"
    return {"attributes": {"type": obj, "url": url}}


def _compound(row: dict[str, Any], name: str) -> dict[str, Any] | None:
    prefix = f"{COMPOUND}{name}:"
    parts = {k[len(prefix) :]: jsonable(v) for k, v in row.items() if k.startswith(prefix)}
    return parts if any(v is not None for v in parts.values()) else None
