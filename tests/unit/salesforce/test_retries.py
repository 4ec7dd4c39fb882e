"""Expired sessions, rate limits and 5xx: what the source retries and what it reports."""

from __future__ import annotations

import pickle

import pytest

from vmsdq.core.errors import SourceError, TerminalError, TransientError
from vmsdq.demo.salesforce.fake_server import FakeSalesforce
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
    assert snap.meta["api_calls"] == 6  # the rejected COUNT() counts too


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
    assert snap.meta["api_calls"] == 7  # 2 refused + COUNT() + 4 pages


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
        "source 'crm', entity 'volunteer' (Salesforce object Contact): COUNT(): Salesforce kept "
        "failing after 3 attempts: 500 UNKNOWN_EXCEPTION: An unexpected error occurred. "
        "Please try again."
    )
    assert isinstance(info.value, TransientError) and isinstance(info.value, SourceError)
    assert org.api_calls == 3
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def test_rate_limit_exhausted(org: FakeSalesforce, make_source: SourceFactory) -> None:
    org.limit_exceeded(times=5)
    with pytest.raises(SalesforceUnavailableError, match="403 REQUEST_LIMIT_EXCEEDED"):
        make_source().read(volunteer_entity())


def test_bad_field_is_terminal_and_names_object_and_entity(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    entity = volunteer_entity()
    mirror = entity.mirror
    assert mirror is not None
    bad = entity.model_copy(
        update={"mirror": mirror.model_copy(update={"fields": {"email": "Email__x"}})}
    )
    with pytest.raises(SalesforceQueryError) as info:
        make_source().read(bad)
    assert str(info.value) == (
        "source 'crm', entity 'volunteer' (Salesforce object Contact): REST queryAll: 400 "
        "INVALID_FIELD: No such column 'Email__x' on entity 'Contact'."
    )
    assert isinstance(info.value, TerminalError)
    assert org.calls == {"queryAll": 2}  # COUNT() + the query, never retried
