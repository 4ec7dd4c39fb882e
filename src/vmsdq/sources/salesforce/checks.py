"""What ``vmsdq check`` can tell about a Salesforce mirror without connecting to the org.

Standard compound fields (``MailingAddress``, ``BillingAddress``, ...) cannot be selected by a
Bulk API query, and the connector switches to Bulk once an object passes ``bulk_threshold``:
a mapping that works today would fail when the org grows, so it is refused now, with the
component fields to map instead. ``mirror.where`` is rendered as SOQL, dates checked.
Custom geolocation fields are only known from ``describe()``: the read refuses those.
"""

from __future__ import annotations

from pathlib import Path

from vmsdq.core.errors import ConfigError, Location
from vmsdq.sources.salesforce.errors import SalesforceError
from vmsdq.sources.salesforce.soql import build_query, field_types
from vmsdq.spec.models import EntitySpec, Project, SalesforceSourceSpec

ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")
COMPOUND_ADDRESSES = {f"{p}Address": p for p in ("Mailing", "Other", "Billing", "Shipping")}
COMPOUND_ADDRESSES["Address"] = ""  # Lead, User, Organization


def check_salesforce_mirrors(project: Project) -> list[ConfigError]:
    """Config errors of every entity whose mirror is read from a ``salesforce`` source."""
    mirror_source = project.spec.reconcile.get(project.spec.default_source)
    spec = project.spec.sources.get(mirror_source or "")
    if not isinstance(spec, SalesforceSourceSpec):
        return []
    errors: list[ConfigError] = []
    for name, entity in project.entities.items():
        if entity.mirror is not None:
            errors += _check(entity, project.entity_files.get(name, ""))
    return errors


def _check(entity: EntitySpec, file: str) -> list[ConfigError]:
    errors = []
    try:
        fields = list(field_types(entity))
        build_query(entity)
    except SalesforceError as exc:
        return [ConfigError(str(exc), _where(file, "where:"))]
    for field in fields:
        prefix = COMPOUND_ADDRESSES.get(field)
        if prefix is None:
            continue
        parts = ", ".join(prefix + p for p in ADDRESS_PARTS)
        errors.append(
            ConfigError(
                f"entity '{entity.entity}': {entity.mirror.object if entity.mirror else ''}"
                f".{field} is an address compound field; Bulk API queries cannot select "
                f"compound fields, so map its components instead: {parts}",
                _where(file, field),
            )
        )
    return errors


def _where(file: str, needle: str) -> Location | None:
    """The file and the first line that mentions ``needle`` (line 0 when none does)."""
    if not file:
        return None
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return Location(file)
    for number, line in enumerate(lines, start=1):
        column = line.find(needle)
        if column >= 0:
            return Location(file, number, column + 1)
    return Location(file)
