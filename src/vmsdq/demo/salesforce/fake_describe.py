"""What the fake org knows of its objects: field types, lookups, compound fields, describe().

Derived from the loaded tables the way a real org is shaped: a column ``AccountId`` whose
prefix names a loaded object is a lookup with relationship ``Account``; address components
(``MailingStreet``, ``MailingCity``, ...) make a compound ``MailingAddress``; custom
geolocation components (``Where__Latitude__s``) make ``Where__c``. Hidden fields (field-level
security) are absent from describe and from every query, as in a real org.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vmsdq.demo.salesforce.fake_soql import Schema

if TYPE_CHECKING:
    import pyarrow as pa

ADDRESS_PREFIXES = ("Mailing", "Other", "Billing", "Shipping")
ADDRESS_PARTS = {
    "street": "Street",
    "city": "City",
    "state": "State",
    "postalCode": "PostalCode",
    "country": "Country",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "geocodeAccuracy": "GeocodeAccuracy",
}
Relationships = Mapping[str, Mapping[str, tuple[str, str]]]


def field_type(name: str, kind: pa.DataType) -> str:
    """The describe ``type`` of a column."""
    import pyarrow as pa

    if name == "Id":
        return "id"
    checks = [
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_date, "date"),
        (pa.types.is_timestamp, "datetime"),
        (pa.types.is_integer, "int"),
        (pa.types.is_floating, "double"),
        (pa.types.is_decimal, "double"),
    ]
    return next((t for test, t in checks if test(kind)), "string")


def schema_of(
    tables: Mapping[str, pa.Table], extra: Relationships, hidden: Mapping[str, set[str]]
) -> Schema:
    """The compiler's view of the org (hidden fields left out)."""
    columns, types, rels, compounds = {}, {}, {}, {}
    for obj, table in tables.items():
        visible = [c for c in table.column_names if c not in hidden.get(obj, set())]
        columns[obj] = visible
        types[obj] = {c: field_type(c, table.schema.field(c).type) for c in visible}
        rels[obj] = _lookups(obj, visible, tables) | dict(extra.get(obj, {}))
        for fk, _ in rels[obj].values():
            types[obj][fk] = "reference"
        compounds[obj] = _compounds(visible)
    return Schema(columns, types, rels, compounds)


def _lookups(obj: str, columns: list[str], tables: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    out = {}
    for column in columns:
        target = column[:-2]
        if column.endswith("Id") and column != "Id" and target in tables:
            out[target] = (column, target)
    return out


def _compounds(columns: list[str]) -> dict[str, dict[str, str]]:
    present, out = set(columns), {}
    for prefix in ADDRESS_PREFIXES:
        parts = {k: prefix + v for k, v in ADDRESS_PARTS.items() if prefix + v in present}
        if parts:
            out[prefix + "Address"] = parts
    for column in columns:
        if column.endswith("__Latitude__s"):
            base = column[: -len("__Latitude__s")]
            parts = {"latitude": column}
            if base + "__Longitude__s" in present:
                parts["longitude"] = base + "__Longitude__s"
            out[base + "__c"] = parts
    return out


def describe(schema: Schema, obj: str) -> dict[str, Any]:
    """A describe() body: the fields this user can see, with the keys the connector reads."""
    fields: list[dict[str, Any]] = []
    owner = {fk: (name, target) for name, (fk, target) in schema.relationships[obj].items()}
    compound_of = {c: name for name, parts in schema.compounds[obj].items() for c in parts.values()}
    for column in schema.columns[obj]:
        relationship, target = owner.get(column, (None, None))
        fields.append(
            {
                "name": column,
                "type": schema.types[obj][column],
                "relationshipName": relationship,
                "referenceTo": [target] if target else [],
                "compoundFieldName": compound_of.get(column),
                "nillable": column != "Id",
            }
        )
    for name in schema.compounds[obj]:
        kind = "location" if name.endswith("__c") else "address"
        fields.append({"name": name, "type": kind, "relationshipName": None, "referenceTo": [],
                       "compoundFieldName": None, "nillable": True})  # fmt: skip
    return {"name": obj, "queryable": True, "fields": fields}
