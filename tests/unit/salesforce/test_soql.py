"""SOQL built from the mirror mapping: fields, filters, escaping, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vmsdq.sources.salesforce.soql import build_query
from vmsdq.spec.mirror_where import MirrorWhereError

from .conftest import volunteer_entity

FIELDS = "Id, FirstName, LastName, Email, Hours__c, Birthdate, SystemModstamp, IsDeleted"


def test_query_from_mapping() -> None:
    assert build_query(volunteer_entity()) == (
        f"SELECT {FIELDS} FROM Contact WHERE Contact_Type__c = 'Volunteer'"
    )
    since = datetime(2026, 3, 1, 12, 30, 5, 123000, tzinfo=UTC)
    assert build_query(volunteer_entity(where=None), since=since, count=True) == (
        "SELECT COUNT() FROM Contact WHERE SystemModstamp >= 2026-03-01T12:30:05Z"
    )


@pytest.mark.parametrize(
    ("where", "soql"),
    [
        ("Name = 'O''Brien'", "Name = 'O\\'Brien'"),
        ("Name = 'a\\b'", "Name = 'a\\\\b'"),
        ("Type__c IN ('A', 'B') AND NOT Email IS NULL", "Type__c IN ('A', 'B') AND Email != null"),
        ("a = 1 OR b <> 2.5", "(a = 1 OR b != 2.5)"),
        ("Active__c = TRUE AND Name LIKE 'x%'", "Active__c = true AND Name LIKE 'x%'"),
        ("Type__c NOT IN ('A')", "Type__c NOT IN ('A')"),
    ],
)
def test_where_is_rendered_safely(where: str, soql: str) -> None:
    assert build_query(volunteer_entity(where=where)).endswith(f"FROM Contact WHERE {soql}")


@pytest.mark.parametrize(
    "where",
    [
        "Name = 'x' UNION SELECT Id FROM User",
        "Id IN (SELECT ContactId FROM Case)",
        "upper(Name) = 'X'",
        "Name = 'x'; DELETE FROM Contact",
    ],
)
def test_where_refuses_anything_else(where: str) -> None:
    with pytest.raises(
        MirrorWhereError, match="entity .volunteer.: mirror.where: .*(not allowed|IN takes a list)"
    ):
        build_query(volunteer_entity(where=where))
