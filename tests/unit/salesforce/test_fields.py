"""Field names against describe(): spelling, visibility, compound and relationship fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import requests

from vmsdq.core.workspace import Workspace
from vmsdq.demo.salesforce.fake_server import FakeSalesforce
from vmsdq.sources.salesforce.errors import SalesforceConfigError
from vmsdq.spec.models import EntitySpec

from .conftest import FAST_RETRY, SourceFactory, contacts, sfid, volunteer_entity


def mapped(
    fields: dict[str, Any], where: str | None = "Contact_Type__c = 'Volunteer'"
) -> EntitySpec:
    raw = volunteer_entity(where=where).model_dump(mode="json", exclude_none=True)
    raw["mirror"]["fields"] = fields
    return EntitySpec.model_validate(raw)


def test_names_in_any_case_read_the_api_field(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    entity = mapped({"first_name": "firstname", "email": {"field": "EMAIL"}})
    for threshold in (1000, 1):  # REST, then Bulk
        snap = make_source(bulk_threshold=threshold, incremental=False).read(entity)
        assert snap.table.column_names[:3] == ["Id", "firstname", "EMAIL"]
        assert snap.table.column("firstname").null_count == 0
        assert "SELECT Id, FirstName, Email, SystemModstamp" in snap.meta["query"]


def test_an_unknown_field_names_the_object_and_the_closest(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    with pytest.raises(SalesforceConfigError) as info:
        make_source().read(mapped({"first_name": "FristName"}))
    assert str(info.value) == (
        "entity 'volunteer': Contact has no field 'FristName' visible to this user (it does "
        "not exist, or field-level security hides it); closest: FirstName, LastName"
    )
    assert org.calls == {"describe": 1}  # refused before any query


def test_a_field_hidden_by_field_level_security_is_not_an_all_null_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.sources.salesforce import SalesforceSource
    from vmsdq.spec.models import SalesforceSourceSpec

    with FakeSalesforce({"Contact": contacts(3)}, hidden={"Contact": {"Email"}}) as org:
        for name, value in org.source_env("FLS_").items():
            monkeypatch.setenv(name, value)
        spec = SalesforceSourceSpec(type="salesforce", domain=org.url, env_prefix="FLS_")
        source = SalesforceSource(
            "crm", spec, root=tmp_path, workspace=Workspace.at(tmp_path), retry=FAST_RETRY
        )
        with pytest.raises(SalesforceConfigError, match="Contact has no field 'Email' visible"):
            source.read(volunteer_entity(where=None))


def test_describe_is_asked_once_per_object_per_run(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    source.read(volunteer_entity())
    source.read(volunteer_entity(where="Contact_Type__c = 'Staff'"))
    assert org.calls["describe"] == 1


def test_a_compound_field_is_refused_with_its_components(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    table = contacts(3).append_column("MailingStreet", pa.array(["1 Main St\nApt 2"] * 3))
    org.put("Contact", table.append_column("MailingCity", pa.array(["Kansas City"] * 3)))
    with pytest.raises(SalesforceConfigError) as info:
        make_source().read(mapped({"first_name": "MailingAddress"}))
    assert str(info.value) == (
        "entity 'volunteer': Contact.MailingAddress is an address compound field; Bulk API "
        "queries cannot select compound fields, so map its components instead: "
        "MailingStreet, MailingCity"
    )


def test_the_fake_serves_compound_fields_as_salesforce_does(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    table = contacts(1).append_column("MailingStreet", pa.array(["1 Main St"]))
    org.put("Contact", table.append_column("MailingCity", pa.array(["Kansas City"])))
    auth = {"Authorization": f"Bearer {org.issue_session()}"}
    base = f"{org.url}/services/data/v59.0"
    soql = "SELECT Id, MailingAddress FROM Contact"
    rest = requests.get(f"{base}/query", params={"q": soql}, headers=auth, timeout=5).json()
    assert rest["records"][0]["MailingAddress"] == {"street": "1 Main St", "city": "Kansas City"}
    job = requests.post(
        f"{base}/jobs/query", json={"operation": "query", "query": soql}, headers=auth, timeout=5
    )
    assert (job.status_code, job.json()[0]["message"]) == (
        400,
        "Selecting compound data not supported in Bulk Query",
    )


def relationship_org(org: FakeSalesforce) -> None:
    table = contacts(10, deleted=2, staff=3)
    parents = [sfid("001", i % 2) if i % 3 else None for i in range(table.num_rows)]
    org.put("Contact", table.append_column("AccountId", pa.array(parents, pa.string())))


def test_relationship_fields_over_rest_and_bulk(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    relationship_org(org)
    entity = mapped({"first_name": "FirstName", "email": "account.name"})
    rest = make_source(incremental=False).read(entity)
    bulk = make_source(bulk_threshold=1, incremental=False).read(entity)
    assert rest.meta["mode"] == "rest" and bulk.meta["mode"] == "bulk"
    assert "SELECT Id, FirstName, Account.Name, SystemModstamp" in rest.meta["query"]
    ids, names = rest.table.column("Id").to_pylist(), rest.table.column("account.name").to_pylist()
    by_id = dict(zip(ids, names, strict=True))
    assert by_id[sfid("003", 0)] is None  # no parent account
    assert by_id[sfid("003", 1)] == "Org 1" and by_id[sfid("003", 2)] == "Org 0"
    assert bulk.table.sort_by("Id").equals(rest.table.sort_by("Id"))


def test_the_fake_nests_relationships_in_json_and_dots_them_in_csv(
    org: FakeSalesforce,
) -> None:
    relationship_org(org)
    auth = {"Authorization": f"Bearer {org.issue_session()}"}
    base = f"{org.url}/services/data/v59.0"
    two = f"'{sfid('003', 0)}', '{sfid('003', 1)}'"
    soql = f"SELECT Id, Account.Name FROM Contact WHERE Id IN ({two}) ORDER BY Id"
    records = requests.get(f"{base}/query", params={"q": soql}, headers=auth, timeout=5).json()[
        "records"
    ]
    assert records[0]["Account"] is None
    assert records[1]["Account"] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v59.0/sobjects/Account/{sfid('001', 1)}",
        },
        "Name": "Org 1",
    }
    org.bulk_polls = 0
    job = requests.post(
        f"{base}/jobs/query", json={"operation": "query", "query": soql}, headers=auth, timeout=5
    ).json()
    requests.get(f"{base}/jobs/query/{job['id']}", headers=auth, timeout=5)
    page = requests.get(f"{base}/jobs/query/{job['id']}/results", headers=auth, timeout=5)
    assert page.text.splitlines() == [
        '"Id","Account.Name"',
        f'"{sfid("003", 0)}",',
        f'"{sfid("003", 1)}","Org 1"',
    ]


def test_an_object_without_a_recycle_bin_reads_all_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``User`` has no IsDeleted: it is not selected, and no record counts as deleted."""
    from vmsdq.sources.salesforce import SalesforceSource
    from vmsdq.spec.models import SalesforceSourceSpec

    users = pa.table({"Id": [sfid("005", 1), sfid("005", 2)], "Email": ["a@x.org", "b@x.org"]})
    with FakeSalesforce({"User": users}, hidden={"User": {"IsDeleted"}}) as org:
        for name, value in org.source_env("USR_").items():
            monkeypatch.setenv(name, value)
        spec = SalesforceSourceSpec(type="salesforce", domain=org.url, env_prefix="USR_")
        source = SalesforceSource(
            "crm", spec, root=tmp_path, workspace=Workspace.at(tmp_path), retry=FAST_RETRY
        )
        entity = mapped({"email": "Email"}, where=None)
        raw = entity.model_dump(mode="json", exclude_none=True)
        raw["mirror"]["object"] = "User"
        snap = source.read(EntitySpec.model_validate(raw))
    assert "IsDeleted" not in snap.meta["query"]
    assert snap.table.column("IsDeleted").to_pylist() == [False, False]
    assert snap.meta["deleted_rows"] == 0
