"""The connector's parsers on responses recorded from Salesforce's documentation."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyarrow as pa
import pytest

from vmsdq.core.words import FieldType
from vmsdq.reconcile.salesforce_ids import is_salesforce_id, join_key, to_18
from vmsdq.sources.salesforce.arrow import cast_columns, csv_to_text, records_to_text
from vmsdq.sources.salesforce.bulk import _parse
from vmsdq.sources.salesforce.client import Retryable, error_of
from vmsdq.sources.salesforce.describe import ObjectInfo, resolve
from vmsdq.sources.salesforce.errors import SalesforceConfigError, SalesforceQueryError

from .fixtures import load, raw, response, text


def test_rest_query_page() -> None:
    page = load("rest/query_page1.json")
    table = records_to_text(page["records"], ["Id", "Name"])
    assert table.to_pylist() == [{"Id": "003RO0000035WQgYAM", "Name": "John Smith"}]
    assert (page["done"], page["nextRecordsUrl"].split("/")[-2]) == (False, "query")


def test_rest_record_shapes_cast_to_the_declared_types() -> None:
    page = load("rest/record_shapes.json")
    fields = [
        "Id",
        "account.name",
        "Hours__c",
        "Skills__c",
        "Birthdate",
        "SystemModstamp",
        "IsDeleted",
        "MailingAddress",
    ]
    text_table = records_to_text(page["records"], fields)
    types = {
        "Hours__c": FieldType.integer,
        "Birthdate": FieldType.date,
        "SystemModstamp": FieldType.timestamp,
        "IsDeleted": FieldType.boolean,
    }
    table, warnings = cast_columns(text_table, types)
    assert warnings == {}
    first, second = table.to_pylist()
    assert first["account.name"] == "Acme" and second["account.name"] is None  # null parent
    assert (first["Hours__c"], first["Skills__c"]) == (25, "Tutoring;Mentoring")
    assert str(first["Birthdate"]) == "1990-05-02"
    assert first["SystemModstamp"].isoformat() == "2024-01-02T03:04:05+00:00"
    assert (first["IsDeleted"], second["IsDeleted"]) == (False, True)
    assert '"street": "415 Mission Street\\nFloor 3"' in first["MailingAddress"]
    assert second["MailingAddress"] is None


def test_count() -> None:
    assert load("rest/count.json")["totalSize"] == 42


@pytest.mark.parametrize(
    ("name", "code", "first_line"),
    [
        ("rest/error_invalid_field.json", "INVALID_FIELD", ""),
        ("rest/error_malformed_query.json", "MALFORMED_QUERY", ""),
        ("rest/error_invalid_session.json", "INVALID_SESSION_ID", "Session expired or invalid"),
        (
            "rest/error_request_limit.json",
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ),
    ],
)
def test_error_bodies(name: str, code: str, first_line: str) -> None:
    got_code, message = error_of(load(name))
    assert got_code == code and message.split("\n")[0] == first_line
    assert error_of("<html>Service Unavailable</html>") == (
        "UNKNOWN",
        "<html>Service Unavailable</html>",
    )


def test_bulk_results_page_and_locators() -> None:
    first = _parse(
        response(raw("bulk/results_page1.csv"), headers=load("bulk/results_page1.headers.json")),
        ["Id", "Name"],
        "job",
    )
    assert first.locator == "MTAwMDA"
    assert first.table.column("Name").to_pylist() == ["Jane Dunn", "George Wright", "Pat Wilson"]
    last = _parse(
        response(raw("bulk/results_page1.csv"), headers=load("bulk/results_last.headers.json")),
        ["id", "name"],  # header names match without regard to case
        "job",
    )
    assert last.locator == "" and last.table.column_names == ["id", "name"]


def test_a_page_shorter_than_its_header_says_is_fetched_again() -> None:
    headers = load("bulk/results_page1.headers.json") | {"Sforce-NumberOfRecords": "4"}
    with pytest.raises(Retryable, match="the page held 3 records, Sforce-NumberOfRecords said 4"):
        _parse(response(raw("bulk/results_page1.csv"), headers=headers), ["Id"], "job")


def test_a_csv_that_does_not_parse_names_the_job() -> None:
    body = b'"Id","Name"\n"005R0000000UyrWIAS","Jane","extra"\n'
    with pytest.raises(SalesforceQueryError, match="^job 750X: the CSV does not parse"):
        _parse(response(body, headers={"Sforce-NumberOfRecords": "1"}), ["Id", "Name"], "job 750X")
    with pytest.raises(SalesforceQueryError, match=r"the CSV header has no column \['Email'\]"):
        _parse(response(raw("bulk/results_page1.csv")), ["Email"], "job 750X")


def test_an_empty_results_body_is_an_empty_page() -> None:
    page = _parse(response(b"", headers={"Sforce-NumberOfRecords": "0"}), ["Id"], "job")
    assert page.table.num_rows == 0 and page.table.column_names == ["Id"]


def multiline_page(min_bytes: int) -> tuple[bytes, int]:
    body = raw("bulk/results_multiline.csv")
    header, rows = body.split(b"\n", 1)
    copies = min_bytes // len(rows) + 1
    return header + b"\n" + rows * copies, copies * 2


def test_multi_line_values_on_a_page_larger_than_a_parse_block() -> None:
    """Line breaks inside quotes, on a page over pyarrow's 16 MiB block (a real-org size)."""
    data, rows = multiline_page(17 << 20)
    table = csv_to_text(data, ["Id", "MailingStreet", "Description"])
    assert table.num_rows == rows
    expected = list(csv.DictReader(io.StringIO(text("bulk/results_multiline.csv"))))
    assert table.slice(rows - 2).to_pylist() == [
        {k: (r[k] or None) for k in ("Id", "MailingStreet", "Description")} for r in expected
    ]
    assert table.column("Description")[0].as_py() == 'He said "yes",\nthen left'


def test_describe_resolves_spelling_relationships_and_refuses_compounds() -> None:
    contact = ObjectInfo.parse(load("rest/describe_contact.json"))
    account = ObjectInfo.parse({"name": "Account", "fields": [{"name": "Name", "type": "string"}]})
    objects = {"contact": contact, "account": account}

    def describe(obj: str) -> ObjectInfo:
        return objects[obj.lower()]

    assert resolve("volunteer", "Contact", "firstname", describe).name == "FirstName"
    assert resolve("volunteer", "Contact", "ACCOUNT.name", describe).name == "Account.Name"
    assert resolve("volunteer", "Contact", "birthdate", describe).type == "date"
    with pytest.raises(SalesforceConfigError) as info:
        resolve("volunteer", "Contact", "MailingAddress", describe)
    assert str(info.value).endswith(
        "map its components instead: MailingStreet, MailingCity, MailingState, "
        "MailingPostalCode, MailingCountry, MailingLatitude, MailingLongitude, "
        "MailingGeocodeAccuracy"
    )
    with pytest.raises(SalesforceConfigError, match="Contact has no relationship 'Acount'"):
        resolve("volunteer", "Contact", "Acount.Name", describe)


def test_every_documented_id_and_its_15_character_form() -> None:
    for row in csv.DictReader(io.StringIO(text("ids/ids_15_18.csv"))):
        assert to_18(row["id15"]) == row["id18"] and is_salesforce_id(row["id18"])
        assert join_key(row["id15"]) == join_key(row["id18"]) == join_key(row["id18"].lower())


def login(body: bytes, status: int = 200, *, token: bool = False) -> Any:
    from simple_salesforce.login import SalesforceLogin

    class Canned:
        def post(self, *_: Any, **__: Any) -> Any:
            return response(body, status)

    if token:
        return SalesforceLogin(
            consumer_key="k", consumer_secret="s", domain="acme.my", session=Canned()
        )  # type: ignore[arg-type]
    return SalesforceLogin(username="u", password="p", security_token="t", session=Canned())  # type: ignore[arg-type]


def test_login_bodies_through_simple_salesforce() -> None:
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    assert login(raw("auth/soap_login_ok.xml")) == ("12345", "na15.salesforce.com")
    assert login(raw("auth/oauth_token_ok.json"), token=True) == ("12345", "na15.salesforce.com")
    with pytest.raises(SalesforceAuthenticationFailed) as fault:
        login(raw("auth/soap_login_fault.xml"), 500)
    assert fault.value.code == "INVALID_LOGIN"
    for name, code in [
        ("auth/oauth_invalid_grant_audience.json", "invalid_grant"),
        ("auth/oauth_invalid_client_id.json", "invalid_client_id"),
    ]:
        with pytest.raises(SalesforceAuthenticationFailed) as failed:
            login(raw(name), 400, token=True)
        assert failed.value.code == code


def test_a_text_table_has_the_field_names_asked_for() -> None:
    table = records_to_text(load("rest/query_page1.json")["records"], ["id", "NAME"])
    assert table.schema == pa.schema([("id", pa.string()), ("NAME", pa.string())])
    assert table.to_pylist() == [{"id": "003RO0000035WQgYAM", "NAME": "John Smith"}]
