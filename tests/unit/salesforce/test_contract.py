"""The fake org answers in the shapes Salesforce documents (tests/fixtures/salesforce).

For each recorded response, the same request to the fake must give the same status, content
type, header names, JSON keys and value formats, so the fake cannot drift from Salesforce
while the connector's tests keep passing against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
import requests

from vmsdq.demo.salesforce.fake_server import FakeSalesforce

from .conftest import accounts, contacts, sfid
from .fixtures import load, raw, text

API = "/services/data/v59.0"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")  # as in the docs


@pytest.fixture
def rich() -> Iterator[FakeSalesforce]:
    """An org with a lookup, an address and a recycle bin, like record_shapes.json."""
    people = contacts(6, deleted=1)
    people = people.append_column("AccountId", pa.array([sfid("001", 1), None] * 3, pa.string()))
    people = people.append_column("MailingStreet", pa.array(["415 Mission Street\nFloor 3"] * 6))
    people = people.append_column("MailingCity", pa.array(["San Francisco"] * 6))
    with FakeSalesforce({"Contact": people, "Account": accounts(2)}, batch_size=2) as org:
        yield org


def get(org: FakeSalesforce, path: str, **params: Any) -> requests.Response:
    auth = {"Authorization": f"Bearer {org.issue_session()}"}
    return requests.get(f"{org.url}{path}", params=params, headers=auth, timeout=5)


def keys(value: Any) -> Any:
    """The shape of a JSON value: keys and value kinds, recursively."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return type(value).__name__


def test_query_pages(rich: FakeSalesforce) -> None:
    recorded = load("rest/query_page1.json")
    for resource in ("query", "queryAll"):
        page = get(rich, f"{API}/{resource}", q="SELECT Id, Name FROM Account")
        assert page.headers["Content-Type"].startswith("application/json")
        body = get(rich, f"{API}/{resource}", q="SELECT Id, LastName FROM Contact").json()
        assert set(body) == set(recorded)
        assert keys(body["records"][0]["attributes"]) == keys(recorded["records"][0]["attributes"])
        pattern = re.sub(r"v\d+\.\d", r"v\\d+.\\d", recorded["nextRecordsUrl"])
        pattern = pattern.replace("01gRO0000016PIAYA2-500", r"01g\w+-\d+")
        assert re.fullmatch(pattern, body["nextRecordsUrl"]), body["nextRecordsUrl"]  # /query/
    count = get(rich, f"{API}/query", q="SELECT COUNT() FROM Contact").json()
    assert keys(count) == keys(load("rest/count.json"))


def test_record_shapes(rich: FakeSalesforce) -> None:
    recorded = load("rest/record_shapes.json")["records"]
    soql = "SELECT Id, Account.Name, MailingAddress, SystemModstamp, IsDeleted FROM Contact"
    records = get(rich, f"{API}/queryAll", q=soql + " ORDER BY Id").json()["records"]
    with_parent, without = records[0], records[1]
    assert keys(with_parent["Account"]) == keys(recorded[0]["Account"])
    assert without["Account"] is None and recorded[1]["Account"] is None
    assert set(with_parent["MailingAddress"]) <= set(recorded[0]["MailingAddress"])
    assert STAMP.match(with_parent["SystemModstamp"]) and STAMP.match(recorded[0]["SystemModstamp"])
    assert {type(r["IsDeleted"]) for r in records} == {bool}


def test_describe(rich: FakeSalesforce) -> None:
    recorded = load("rest/describe_contact.json")
    body = get(rich, f"{API}/sobjects/Contact/describe").json()
    needed = {"name", "type", "relationshipName", "referenceTo", "compoundFieldName"}
    recorded_types = {f["type"] for f in recorded["fields"]}
    for field in body["fields"]:
        assert needed <= set(field)
        assert field["type"] in recorded_types | {"int"}, field
    by_name = {f["name"]: f for f in body["fields"]}
    recorded_by_name = {f["name"]: f for f in recorded["fields"]}
    for name in ("AccountId", "MailingCity", "MailingAddress", "Id", "IsDeleted"):
        mine, theirs = by_name[name], recorded_by_name[name]
        assert {k: mine[k] for k in needed} == {k: theirs[k] for k in needed}, name


def test_error_bodies(rich: FakeSalesforce) -> None:
    bad = get(rich, f"{API}/query", q="SELECT Nope FROM Contact")
    recorded = load("rest/error_invalid_field.json")
    assert (bad.status_code, keys(bad.json())) == (400, keys(recorded))
    lines, recorded_lines = bad.json()[0]["message"].split("\n"), recorded[0]["message"].split("\n")
    assert lines[0] == recorded_lines[0] == ""
    assert lines[2].strip() == recorded_lines[2].strip() == "^"
    assert re.fullmatch(r"ERROR at Row:1:Column:\d+", lines[3])
    assert lines[4].endswith(recorded_lines[4].split("'Lead'")[1])
    expired = requests.get(
        f"{rich.url}{API}/query",
        params={"q": "SELECT Id FROM Contact"},
        headers={"Authorization": "Bearer nope"},
        timeout=5,
    )
    assert (expired.status_code, expired.json()) == (401, load("rest/error_invalid_session.json"))
    rich.limit_exceeded()
    limited = get(rich, f"{API}/query", q="SELECT Id FROM Contact")
    assert (limited.status_code, limited.json()) == (403, load("rest/error_request_limit.json"))
    limit_info = load("rest/limit_info.json")["Sforce-Limit-Info"]
    assert re.sub(r"\d+", "N", limited.headers["Sforce-Limit-Info"]) == re.sub(
        r"\d+", "N", limit_info
    )


def job(org: FakeSalesforce, soql: str, polls: int = 0) -> tuple[dict[str, Any], dict[str, str]]:
    org.bulk_polls = polls
    auth = {"Authorization": f"Bearer {org.issue_session()}"}
    created = requests.post(
        f"{org.url}{API}/jobs/query",
        json={"operation": "query", "query": soql},
        headers=auth,
        timeout=5,
    )
    assert created.status_code == 200
    return created.json(), auth


def test_bulk_job_states(rich: FakeSalesforce) -> None:
    created, auth = job(rich, "SELECT Id, LastName FROM Contact", polls=1)
    assert set(created) == set(load("bulk/job_create.json"))
    url = f"{rich.url}{API}/jobs/query/{created['id']}"
    early = requests.get(url + "/results", headers=auth, timeout=5)
    assert early.status_code == 412
    assert keys(early.json()) == keys(load("bulk/error_job_not_complete.json"))
    assert early.json()[0]["errorCode"] == "JOB_NOT_COMPLETE"
    requests.get(url, headers=auth, timeout=5)  # InProgress
    done = requests.get(url, headers=auth, timeout=5).json()
    assert set(done) == set(load("bulk/job_complete.json"))
    deleted = requests.delete(url, headers=auth, timeout=5)
    assert (deleted.status_code, deleted.content) == (204, raw("bulk/delete_204.txt"))
    for state, name in (("Failed", "bulk/job_failed.json"), ("Aborted", "bulk/job_aborted.json")):
        rich.fail_jobs(state, load(name).get("errorMessage", ""))
        created, auth = job(rich, "SELECT Id FROM Contact")
        info = requests.get(f"{rich.url}{API}/jobs/query/{created['id']}", headers=auth, timeout=5)
        recorded = load(name)
        assert set(info.json()) - {"numberRecordsProcessed", "retries", "totalProcessingTime"} == (
            set(recorded) - {"numberRecordsProcessed", "retries", "totalProcessingTime"}
        )
        assert (info.json()["state"], info.json().get("errorMessage")) == (
            recorded["state"],
            recorded.get("errorMessage"),
        )


def test_bulk_results(rich: FakeSalesforce) -> None:
    created, auth = job(rich, "SELECT Id, LastName, MailingStreet FROM Contact")
    url = f"{rich.url}{API}/jobs/query/{created['id']}"
    requests.get(url, headers=auth, timeout=5)
    page = requests.get(url + "/results", params={"maxRecords": 4}, headers=auth, timeout=5)
    recorded = load("bulk/results_page1.headers.json")
    assert set(recorded) <= set(page.headers)
    assert page.headers["Content-Type"] == recorded["Content-Type"]
    header, first = page.text.split("\n")[:2]
    assert re.fullmatch(r'"\w+"(,"\w+")*', header) and text("bulk/results_page1.csv").startswith(
        '"Id"'
    )
    assert first.startswith('"') and page.text.count('"415 Mission Street\nFloor 3"') == 4
    last = requests.get(
        url + "/results",
        params={"maxRecords": 4, "locator": page.headers["Sforce-Locator"]},
        headers=auth,
        timeout=5,
    )
    assert (
        last.headers["Sforce-Locator"] == load("bulk/results_last.headers.json")["Sforce-Locator"]
    )
    auth_only = {"Authorization": auth["Authorization"]}
    compound = requests.post(
        f"{rich.url}{API}/jobs/query",
        headers=auth_only,
        timeout=5,
        json={"operation": "query", "query": "SELECT MailingAddress FROM Contact"},
    )
    assert (compound.status_code, compound.json()) == (400, load("bulk/error_compound.json"))


def test_token_and_login_bodies(rich: FakeSalesforce) -> None:
    c = rich.credentials
    token = requests.post(
        f"{rich.url}/services/oauth2/token",
        timeout=5,
        data={
            "grant_type": "client_credentials",
            "client_id": c.consumer_key,
            "client_secret": c.consumer_secret,
        },
    )
    assert set(load("auth/oauth_client_credentials_ok.json")) <= set(token.json())
    assert set(load("auth/oauth_token_ok.json")) <= set(token.json())
    wrong = requests.post(
        f"{rich.url}/services/oauth2/token",
        timeout=5,
        data={"grant_type": "client_credentials", "client_id": "nobody"},
    )
    assert (wrong.status_code, wrong.json()) == (400, load("auth/oauth_invalid_client_id.json"))
    soap = '<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{}</n1:username><n1:password>{}</n1:password></n1:login></env:Body></env:Envelope>'  # noqa: E501
    ok = requests.post(
        f"{rich.url}/services/Soap/u/59.0", soap.format(c.username, c.password), timeout=5
    )
    for element in ("serverUrl", "sessionId", "userId", "organizationId"):
        assert f"<{element}>" in ok.text and f"<{element}>" in text("auth/soap_login_ok.xml")
    fault = requests.post(
        f"{rich.url}/services/Soap/u/59.0", soap.format(c.username, "x"), timeout=5
    )
    recorded = text("auth/soap_login_fault.xml")
    assert fault.status_code == 500
    for element in ("faultstring", "sf:exceptionCode", "sf:exceptionMessage"):
        pattern = rf"<{element}>([^<]*)</{element}>"
        assert re.search(pattern, fault.text)[1] == re.search(pattern, recorded)[1]  # type: ignore[index]
