"""Expired sessions, rate limits and 5xx: what the source retries and what it reports."""

from __future__ import annotations

import pickle

import pytest

from vmsdq.core.errors import SourceError, TerminalError, TransientError
from vmsdq.demo.salesforce.fake_server import FakeSalesforce
from vmsdq.demo.salesforce.fake_soql import SoqlError
from vmsdq.sources.salesforce.errors import (
    SalesforceAuthError,
    SalesforceQueryError,
    SalesforceUnavailableError,
)

from .conftest import SourceFactory, volunteer_entity


def test_expired_session_reauthenticates_once(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    source.client.sf  # noqa: B018 - log in now
    org.expire_sessions()
    snap = source.read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert org.logins == 2
    assert snap.meta["api_calls"] == 7  # describe, the rejected COUNT() (counted too), 5 more


def test_expired_session_in_the_middle_of_bulk_paging(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source(bulk_threshold=1, incremental=False)
    source.read(volunteer_entity())
    org.inject(401, "INVALID_SESSION_ID", "Session expired or invalid", times=1)
    snap = source.read(volunteer_entity())
    assert snap.meta["mode"] == "bulk" and snap.table is not None and snap.table.num_rows == 10
    assert org.logins == 2


def test_session_rejected_again_after_login_is_terminal(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    org.inject(401, "INVALID_SESSION_ID", "Session expired or invalid", times=2)
    with pytest.raises(SalesforceAuthError, match="rejected the session right after a fresh login"):
        make_source().read(volunteer_entity())


def test_request_limit_exceeded_is_retried(org: FakeSalesforce, make_source: SourceFactory) -> None:
    org.limit_exceeded(times=2)
    snap = make_source().read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert snap.meta["api_calls"] == 8  # 2 refused + describe + COUNT() + 4 pages


def test_server_errors_are_retried_mid_pagination(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    source.client.sf  # noqa: B018
    original = org.run

    def fail_after_count(soql: str, *, include_deleted: bool):  # type: ignore[no-untyped-def]
        if "COUNT()" not in soql:
            org.server_errors(times=2, status=503)
        return original(soql, include_deleted=include_deleted)

    org.run = fail_after_count  # type: ignore[method-assign]
    snap = source.read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert org.calls["queryMore"] == 5  # two 503s on the first queryMore, then 3 pages


def test_retries_exhausted_give_a_clear_transient_error(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    org.server_errors(times=3, status=500)
    with pytest.raises(SalesforceUnavailableError) as info:
        make_source().read(volunteer_entity())
    assert str(info.value) == (
        "source 'crm', entity 'volunteer' (Salesforce object Contact): describe Contact: "
        "Salesforce kept failing after 3 attempts: 500 UNKNOWN_EXCEPTION: An unexpected error "
        "occurred. Please try again."
    )
    assert isinstance(info.value, TransientError) and isinstance(info.value, SourceError)
    assert org.api_calls == 3
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def test_rate_limit_exhausted(org: FakeSalesforce, make_source: SourceFactory) -> None:
    org.limit_exceeded(times=5)
    with pytest.raises(SalesforceUnavailableError, match="403 REQUEST_LIMIT_EXCEEDED"):
        make_source().read(volunteer_entity())


def test_a_query_salesforce_rejects_is_terminal_and_names_object_and_entity(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    original = org.run

    def reject(soql: str, *, include_deleted: bool):  # type: ignore[no-untyped-def]
        if "COUNT()" not in soql:
            raise SoqlError("MALFORMED_QUERY", "\n" + soql + "\n^\nERROR at Row:1:Column:1\nbad")
        return original(soql, include_deleted=include_deleted)

    org.run = reject  # type: ignore[method-assign]
    with pytest.raises(SalesforceQueryError) as info:
        source.read(volunteer_entity())
    message = str(info.value)
    assert message.startswith(
        "source 'crm', entity 'volunteer' (Salesforce object Contact): REST queryAll: 400 "
        "MALFORMED_QUERY: \nSELECT Id, FirstName"
    )
    assert isinstance(info.value, TerminalError)
    assert org.calls == {"describe": 1, "queryAll": 2}  # COUNT() + the query, never retried
