"""Field names checked against ``describe()``: API spelling, relationships, compound fields.

SOQL field names are case-insensitive but JSON keys and CSV headers use the API name, so a
mapping is resolved once per run to the API spelling. A field the user cannot see (it does
not exist, or field-level security hides it) is a configuration error naming the object and
the closest fields; a compound field (address, geolocation) is refused with its components,
because Bulk API queries cannot select it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vmsdq.sources.salesforce.errors import SalesforceConfigError

COMPOUND_TYPES = {"address", "location"}


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    relationship: str | None = None  # relationshipName of a lookup
    reference_to: tuple[str, ...] = ()
    compound_of: str | None = None  # compoundFieldName: the compound field it belongs to


@dataclass
class ObjectInfo:
    """One object's describe result, indexed case-insensitively."""

    name: str
    fields: dict[str, FieldInfo] = field(default_factory=dict)  # lower name -> field
    relationships: dict[str, FieldInfo] = field(default_factory=dict)  # lower rel. -> lookup

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> ObjectInfo:
        info = cls(str(body.get("name", "")))
        for raw in body.get("fields") or []:
            f = FieldInfo(
                name=str(raw["name"]),
                type=str(raw.get("type", "string")),
                relationship=raw.get("relationshipName") or None,
                reference_to=tuple(raw.get("referenceTo") or ()),
                compound_of=raw.get("compoundFieldName") or None,
            )
            info.fields[f.name.lower()] = f
            if f.relationship:
                info.relationships[f.relationship.lower()] = f
        return info

    def components(self, compound: str) -> list[str]:
        return [f.name for f in self.fields.values() if f.compound_of == compound]


Describe = Callable[[str], ObjectInfo]


@dataclass(frozen=True)
class Resolved:
    """A field path in API spelling and the describe type of its last part."""

    name: str
    type: str


def resolve(entity: str, obj: str, path: str, describe: Describe) -> Resolved:
    """``path`` (``FirstName``, ``account.name``) in API spelling, or a config error."""
    parts = path.split(".")
    info, spelled = describe(obj), []
    for hop in parts[:-1]:
        lookup = info.relationships.get(hop.lower())
        if lookup is None:
            names = [f.relationship or "" for f in info.relationships.values()]
            raise SalesforceConfigError(
                f"entity '{entity}': {info.name} has no relationship '{hop}' (in '{path}')"
                + _closest(hop, names)
            )
        spelled.append(str(lookup.relationship))
        info = _target(lookup, parts, describe)
    found = info.fields.get(parts[-1].lower())
    if found is None:
        raise SalesforceConfigError(
            f"entity '{entity}': {info.name} has no field '{parts[-1]}' visible to this user "
            "(it does not exist, or field-level security hides it)"
            + _closest(parts[-1], [f.name for f in info.fields.values()])
        )
    if found.type in COMPOUND_TYPES:
        raise SalesforceConfigError(compound_message(entity, info.name, found, info))
    return Resolved(".".join([*spelled, found.name]), found.type)


def compound_message(entity: str, obj: str, found: FieldInfo, info: ObjectInfo | None) -> str:
    parts = info.components(found.name) if info is not None else []
    kind = "an address" if found.type == "address" else "a geolocation"
    return (
        f"entity '{entity}': {obj}.{found.name} is {kind} compound field; Bulk API queries "
        "cannot select compound fields, so map its components instead"
        + (f": {', '.join(parts)}" if parts else "")
    )


def _target(lookup: FieldInfo, parts: list[str], describe: Describe) -> ObjectInfo:
    """The object a lookup points to; for a polymorphic one, the first that has the field."""
    for candidate in lookup.reference_to:
        info = describe(candidate)
        if len(parts) > 2 or parts[-1].lower() in info.fields:
            return info
    return describe(lookup.reference_to[0])


def _closest(name: str, names: list[str]) -> str:
    by_lower = {n.lower(): n for n in names if n}
    near = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    return f"; closest: {', '.join(by_lower[n] for n in near)}" if near else ""
