"""The same checks against a real org: opt-in, never in CI unless asked for.

Run with a free Developer Edition org and an External Client App that allows the client
credentials flow (docs/salesforce.md, "Setting up an org")::

    VMSDQ_SALESFORCE_LIVE=1 VMSDQ_SF_LIVE_DOMAIN=acme-dev-ed.develop.my.salesforce.com \\
    VMSDQ_SF_LIVE_CONSUMER_KEY=... VMSDQ_SF_LIVE_CONSUMER_SECRET=... \\
    .venv/bin/pytest -n 0 tests/unit/salesforce/test_live.py

``VMSDQ_SF_LIVE_AUTH=jwt`` (with ``USERNAME`` and ``PRIVATE_KEY_FILE``) uses JWT instead.
``VMSDQ_SALESFORCE_RECORD=1`` also writes the org's answers under
``tests/fixtures/salesforce/recorded/`` (session ids never recorded) to compare with, and
refresh, the fixtures by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from vmsdq.core.workspace import Workspace
from vmsdq.reconcile.salesforce_ids import is_salesforce_id
from vmsdq.sources.salesforce import SalesforceSource
from vmsdq.sources.salesforce.errors import SalesforceConfigError
from vmsdq.spec.models import EntitySpec, SalesforceSourceSpec

from .fixtures import FIXTURES, load

PREFIX = "VMSDQ_SF_LIVE_"
NEEDS = {
    "client_credentials": ("DOMAIN", "CONSUMER_KEY", "CONSUMER_SECRET"),
    "jwt": ("DOMAIN", "USERNAME", "CONSUMER_KEY", "PRIVATE_KEY_FILE"),
}


def _skip_reason() -> str | None:
    if os.environ.get("VMSDQ_SALESFORCE_LIVE") != "1":
        return "live Salesforce test: set VMSDQ_SALESFORCE_LIVE=1 and VMSDQ_SF_LIVE_* credentials"
    auth = os.environ.get(PREFIX + "AUTH", "client_credentials")
    missing = [PREFIX + n for n in NEEDS.get(auth, ("AUTH",)) if not os.environ.get(PREFIX + n)]
    if missing:
        return f"live Salesforce test: VMSDQ_SALESFORCE_LIVE=1 but {', '.join(missing)} unset"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def contact(fields: dict[str, Any], where: str | None = None) -> EntitySpec:
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "fields": {"id": {}, "salesforce_id": {}} | {k: {} for k in fields},
            "mirror": {
                "object": "Contact",
                "match_on": "salesforce_id",
                "fields": fields,
                "where": where,
            },
        }
    )


@pytest.fixture
def source(tmp_path: Path) -> SalesforceSource:
    spec = SalesforceSourceSpec(
        type="salesforce",
        auth=os.environ.get(PREFIX + "AUTH", "client_credentials"),  # type: ignore[arg-type]
        domain=os.environ[PREFIX + "DOMAIN"],
        env_prefix=PREFIX,
        api_version=os.environ.get(PREFIX + "API_VERSION", "62.0"),
    )
    return SalesforceSource(
        "live", spec, root=tmp_path, workspace=Workspace.at(tmp_path), incremental=True
    )


FIELDS = {
    "first_name": "firstname",
    "last_name": "LastName",
    "email": "Email",
    "city": "MailingCity",
    "account": "Account.Name",
    "born": "Birthdate",
}


def test_rest_and_bulk_read_the_same_records(source: SalesforceSource) -> None:
    entity = contact(FIELDS, where="Birthdate > 1900-01-01 OR Birthdate = null")
    rest = source.read(entity)
    source.spec = source.spec.model_copy(update={"bulk_threshold": 1})
    source.incremental = False
    bulk = source.read(entity)
    assert (rest.meta["mode"], bulk.meta["mode"]) == ("rest", "bulk")
    assert bulk.table.sort_by("Id").equals(rest.table.sort_by("Id"))
    assert all(is_salesforce_id(i) for i in rest.table.column("Id").to_pylist())
    assert rest.meta["api_usage"] and rest.meta["api_usage"].startswith("api-usage=")


def test_a_second_read_is_incremental(source: SalesforceSource) -> None:
    first = source.read(contact(FIELDS))
    second = source.read(contact(FIELDS))
    assert second.meta["read"] == "incremental" and second.table.num_rows == first.table.num_rows


def test_names_and_compound_fields_are_checked_against_the_org(source: SalesforceSource) -> None:
    with pytest.raises(SalesforceConfigError, match="Contact has no field 'FristName'"):
        source.read(contact({"first_name": "FristName"}))
    with pytest.raises(SalesforceConfigError, match="MailingAddress is an address compound"):
        source.read(contact({"first_name": "MailingAddress"}))


def test_the_org_answers_in_the_recorded_shapes(source: SalesforceSource) -> None:
    sf = source.client.sf
    page = sf.query_all("SELECT Id, Name FROM Account LIMIT 5")
    assert set(page) >= {"totalSize", "done", "records"}
    if page["records"]:
        assert set(page["records"][0]["attributes"]) == {"type", "url"}
    described = sf.restful("sobjects/Contact/describe")
    needed = {"name", "type", "relationshipName", "referenceTo", "compoundFieldName"}
    assert all(needed <= set(f) for f in described["fields"])
    bad = sf.session.get(
        f"{sf.base_url}query",
        params={"q": "SELECT Nope FROM Contact"},
        headers=sf.headers,
        timeout=60,
    )
    recorded = load("rest/error_invalid_field.json")
    assert bad.status_code == 400 and set(bad.json()[0]) == set(recorded[0])
    assert "ERROR at Row:1:Column:" in bad.json()[0]["message"]
    if os.environ.get("VMSDQ_SALESFORCE_RECORD") == "1":
        record("rest/query_page.json", page)
        record("rest/describe_contact.json", described)
        record("rest/error_invalid_field.json", bad.json())


def record(name: str, body: Any) -> None:
    """Write one answer under fixtures/salesforce/recorded/ for a person to review."""
    path = FIXTURES / "recorded" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
