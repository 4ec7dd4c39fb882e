"""The fake org speaks Salesforce's wire protocol: status codes, headers, bodies."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from vmsdq.demo.salesforce.fake_server import FakeSalesforce

from .conftest import sfid

SOAP = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
  <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">
    <n1:username>{user}</n1:username><n1:password>{password}</n1:password>
  </n1:login></env:Body></env:Envelope>"""


@pytest.fixture
def auth(org: FakeSalesforce) -> dict[str, str]:
    return {"Authorization": f"Bearer {org.issue_session()}"}


def test_soap_login(org: FakeSalesforce) -> None:
    c = org.credentials
    ok = requests.post(
        f"{org.url}/services/Soap/u/59.0",
        SOAP.format(user=c.username, password=c.password + c.security_token),
        headers={"content-type": "text/xml", "SOAPAction": "login"},
        timeout=5,
    )
    assert ok.status_code == 200
    assert f"<serverUrl>{org.url}/services/Soap/u/59.0/" in ok.text and "<sessionId>" in ok.text
    bad = requests.post(
        f"{org.url}/services/Soap/u/59.0", SOAP.format(user=c.username, password="x"), timeout=5
    )
    assert bad.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in bad.text


def test_query_pages_and_counts(org: FakeSalesforce, auth: dict[str, str]) -> None:
    base = f"{org.url}/services/data/v59.0"
    q = "SELECT Id, Name FROM Account ORDER BY Name DESC"
    first = requests.get(f"{base}/query", params={"q": q}, headers=auth, timeout=5)
    assert first.status_code == 200
    body = first.json()
    assert (body["totalSize"], body["done"], len(body["records"])) == (5, False, 3)
    assert body["records"][0] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v59.0/sobjects/Account/{sfid('001', 4)}",
        },
        "Id": sfid("001", 4),
        "Name": "Org 4",
    }
    assert body["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    rest = requests.get(org.url + body["nextRecordsUrl"], headers=auth, timeout=5).json()
    assert (rest["done"], [r["Name"] for r in rest["records"]]) == (True, ["Org 1", "Org 0"])
    count = requests.get(
        f"{base}/query", params={"q": "SELECT COUNT() FROM Contact"}, headers=auth, timeout=5
    )
    assert count.json() == {"totalSize": 11, "done": True, "records": []}
    count_all = requests.get(
        f"{base}/queryAll", params={"q": "SELECT COUNT() FROM Contact"}, headers=auth, timeout=5
    )
    assert count_all.json()["totalSize"] == 13
    assert count_all.headers["Sforce-Limit-Info"] == "api-usage=4/15000"
    assert org.calls == {"query": 2, "queryMore": 1, "queryAll": 1}


def test_query_errors(org: FakeSalesforce, auth: dict[str, str]) -> None:
    base = f"{org.url}/services/data/v59.0/query"
    bad = requests.get(base, params={"q": "SELECT Nope FROM Contact"}, headers=auth, timeout=5)
    assert bad.status_code == 400
    (error,) = bad.json()
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"].splitlines()[1:4] == [  # query, caret, position: as Salesforce writes
        "SELECT Nope FROM Contact",
        "       ^",
        "ERROR at Row:1:Column:8",
    ]
    assert "No such column 'Nope' on entity 'Contact'." in error["message"]
    typ = requests.get(base, params={"q": "SELECT Id FROM Volunteer__c"}, headers=auth, timeout=5)
    assert typ.json()[0]["errorCode"] == "INVALID_TYPE"
    expired = requests.get(
        base,
        params={"q": "SELECT Id FROM Contact"},
        headers={"Authorization": "Bearer x"},
        timeout=5,
    )
    assert expired.status_code == 401
    assert expired.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    org.limit_exceeded()
    limited = requests.get(base, params={"q": "SELECT Id FROM Contact"}, headers=auth, timeout=5)
    assert limited.status_code == 403 and limited.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    org.server_errors(status=503)
    down = requests.get(base, params={"q": "SELECT Id FROM Contact"}, headers=auth, timeout=5)
    assert down.status_code == 503


def test_bulk_query_job(org: FakeSalesforce, auth: dict[str, str]) -> None:
    jobs = f"{org.url}/services/data/v59.0/jobs/query"
    soql = "SELECT Id, LastName, SystemModstamp FROM Contact WHERE Contact_Type__c = 'Staff'"
    job = requests.post(
        jobs, json={"operation": "query", "query": soql}, headers=auth, timeout=5
    ).json()
    assert (
        job["state"] == "UploadComplete"
        and job["object"] == "Contact"
        and job["id"].startswith("750")
    )
    assert (
        requests.get(f"{jobs}/{job['id']}", headers=auth, timeout=5).json()["state"] == "InProgress"
    )
    early = requests.get(f"{jobs}/{job['id']}/results", headers=auth, timeout=5)
    assert (early.status_code, early.json()[0]["errorCode"]) == (412, "JOB_NOT_COMPLETE")
    done = requests.get(f"{jobs}/{job['id']}", headers=auth, timeout=5).json()
    assert (done["state"], done["numberRecordsProcessed"]) == ("JobComplete", 3)
    page = requests.get(
        f"{jobs}/{job['id']}/results", params={"maxRecords": 2}, headers=auth, timeout=5
    )
    assert page.headers["Content-Type"] == "text/csv"
    assert page.headers["Content-Encoding"] == "gzip"  # Salesforce compresses results
    assert page.headers["Sforce-NumberOfRecords"] == "2"
    assert page.text.splitlines() == [
        '"Id","LastName","SystemModstamp"',
        f'"{sfid("003", 10)}","O\'Last10","2026-01-01T00:10:00.000Z"',
        f'"{sfid("003", 11)}","O\'Last11","2026-01-01T00:11:00.000Z"',
    ]
    locator = page.headers["Sforce-Locator"]
    last = requests.get(
        f"{jobs}/{job['id']}/results",
        params={"maxRecords": 2, "locator": locator},
        headers=auth,
        timeout=5,
    )
    assert (last.headers["Sforce-Locator"], last.headers["Sforce-NumberOfRecords"]) == ("null", "1")
    assert requests.delete(f"{jobs}/{job['id']}", headers=auth, timeout=5).status_code == 204
    assert requests.get(f"{jobs}/{job['id']}", headers=auth, timeout=5).status_code == 404


def test_from_folder_serves_parquet_files(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from .conftest import accounts

    pq.write_table(accounts(3), tmp_path / "Account.parquet")
    with FakeSalesforce.from_folder(tmp_path) as org:
        auth = {"Authorization": f"Bearer {org.issue_session()}"}
        q = {"q": "SELECT COUNT() FROM Account"}
        body = requests.get(
            f"{org.url}/services/data/v59.0/query", params=q, headers=auth, timeout=5
        )
        assert body.json()["totalSize"] == 3
