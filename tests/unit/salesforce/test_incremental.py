"""Incremental reads lose nothing: look-back, ties at the watermark, late commits, locking."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from vmsdq.demo.salesforce.fake_server import FakeSalesforce
from vmsdq.sources.salesforce.errors import SalesforceUnavailableError

from .conftest import T0, SourceFactory, contacts, sfid, volunteer_entity

WATERMARK = T0 + timedelta(minutes=9)  # the newest SystemModstamp of contacts(10)


def add(org: FakeSalesforce, *stamps: object) -> list[str]:
    """Add one volunteer per stamp (committed now, stamped then); returns their Ids."""
    rows = contacts(len(stamps), start=100)
    rows = rows.set_column(7, "SystemModstamp", pa.array(stamps, pa.timestamp("ms", "UTC")))
    org.put("Contact", pa.concat_tables([org.tables["Contact"].select(rows.column_names), rows]))
    return rows.column("Id").to_pylist()


def test_a_late_commit_inside_the_look_back_and_a_tie_are_read(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source(lookback=600)
    assert source.read(volunteer_entity()).meta["watermark"] == WATERMARK.isoformat(
        timespec="milliseconds"
    )
    late, tie = add(org, WATERMARK - timedelta(minutes=4), WATERMARK)
    snap = source.read(volunteer_entity())
    assert snap.meta["read"] == "incremental"
    ids = snap.table.column("Id").to_pylist()
    assert late in ids and tie in ids and len(ids) == len(set(ids)) == 12


def test_a_commit_older_than_the_look_back_is_found_by_the_count(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source(lookback=60)
    source.read(volunteer_entity())
    (late,) = add(org, WATERMARK - timedelta(hours=1))
    snap = source.read(volunteer_entity())
    assert snap.meta["read"] == "full (the local copy had 10 records, Salesforce 11)"
    assert late in snap.table.column("Id").to_pylist()


def test_without_look_back_the_watermark_itself_is_still_read(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source(lookback=0)
    source.read(volunteer_entity())
    (tie,) = add(org, WATERMARK)
    snap = source.read(volunteer_entity())
    assert "SystemModstamp >= 2026-01-01T00:09:00Z" in snap.meta["query"]
    assert snap.meta["read"] == "incremental" and tie in snap.table.column("Id").to_pylist()


def test_a_second_run_waits_for_the_first_and_then_says_so(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    from filelock import FileLock

    source = make_source()
    source.state.lock_timeout = 0.05
    other = FileLock(source.state.folder / "volunteer.lock")
    source.state.folder.mkdir(parents=True, exist_ok=True)
    with other, pytest.raises(SalesforceUnavailableError) as info:
        source.read(volunteer_entity())
    assert "entity 'volunteer': another run has been reading it for over 0 s" in str(info.value)
    assert org.api_calls == 0
    assert source.read(volunteer_entity()).table.num_rows == 10  # free again
    assert sfid("003", 0) in source.read(volunteer_entity()).table.column("Id").to_pylist()
