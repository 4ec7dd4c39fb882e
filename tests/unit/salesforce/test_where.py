"""SOQL date and datetime literals in mirror.where: unquoted, checked, explained."""

from __future__ import annotations

import pytest

from vmsdq.reconcile.mapping import filters
from vmsdq.sources.salesforce.soql import build_query
from vmsdq.spec.mirror_where import MirrorWhereError

from .conftest import volunteer_entity


@pytest.mark.parametrize(
    ("where", "soql"),
    [
        ("Birthdate > 2000-01-31", "Birthdate > 2000-01-31"),
        ("Birthdate >= 2000-01-31 AND Email != null", "Birthdate >= 2000-01-31 AND Email != null"),
        ("CreatedDate >= 2024-01-15T10:00:00Z", "CreatedDate >= 2024-01-15T10:00:00Z"),
        ("CreatedDate < 2024-01-15T10:00:00-05:00", "CreatedDate < 2024-01-15T10:00:00-05:00"),
        ("Birthdate IN (2000-01-31, 2001-02-28)", "Birthdate IN (2000-01-31, 2001-02-28)"),
        ("Name = '2000-01-31'", "Name = '2000-01-31'"),  # text that looks like a date stays text
    ],
)
def test_dates_are_written_unquoted(where: str, soql: str) -> None:
    assert build_query(volunteer_entity(where=where)).endswith(f"FROM Contact WHERE {soql}")


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "Birthdate > '2000-01-31'",
            "mirror.where compares Birthdate (a date field) with the quoted text '2000-01-31'; "
            "SOQL writes date values without quotes, e.g. Birthdate > 2000-01-31",
        ),
        (
            "Birthdate > 2000-01-31T00:00:00Z",
            "mirror.where compares Birthdate (a date field) with the dateTime "
            "2000-01-31T00:00:00Z; write a date value",
        ),
        ("Birthdate > 2000-02-31", "2000-02-31, which is not a valid date (YYYY-MM-DD)"),
        ("CreatedDate > 2000-01-31T25:00:00Z", "which is not a valid datetime"),
        ("Birthdate = LAST_N_DAYS:30", "uses the relative date literal 'LAST_N_DAYS:30'"),
        ("Birthdate = TODAY", "uses the relative date literal 'TODAY'"),
    ],
)
def test_bad_dates_are_refused_with_the_fix(where: str, message: str) -> None:
    with pytest.raises(MirrorWhereError, match="entity 'volunteer'") as info:
        build_query(volunteer_entity(where=where))
    assert message in str(info.value)


def test_reconcile_reads_the_same_filter() -> None:
    """A date filter on a mapped field applies to both sides, as a date, not as arithmetic."""
    both = filters(volunteer_entity(where="Birthdate > 2000-01-31"))
    assert both.ours is not None and both.theirs is not None
    assert both.ours.sql("duckdb") == "\"birth_date\" > CAST('2000-01-31' AS DATE)"
    assert "CAST('2000-01-31' AS DATE)" in both.theirs.sql("duckdb")
