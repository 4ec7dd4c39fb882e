"""Reading mirrored entities from the fake org over real HTTP: REST, Bulk 2.0, incremental."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.demo.salesforce.fake_server import FakeSalesforce

from .conftest import T0, SourceFactory, contacts, sfid, volunteer_entity

COLUMNS = [
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Hours__c",
    "Birthdate",
    "SystemModstamp",
    "IsDeleted",
]


def test_rest_read_pages_through_next_records_url(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    snap = make_source(bulk_threshold=1000).read(volunteer_entity())
    table = snap.table
    assert isinstance(table, pa.Table)
    assert table.column_names == COLUMNS
    assert table.num_rows == 10  # 10 volunteers (2 in the recycle bin), no staff
    assert sorted(table.column("Id").to_pylist())[0] == sfid("003", 0)
    assert table.schema.field("Hours__c").type == pa.int64()
    assert table.schema.field("Birthdate").type == pa.date32()
    assert table.schema.field("SystemModstamp").type == pa.timestamp("ms", "UTC")
    assert table.column("LastName")[0].as_py() == "O'Last0"
    # 1 describe + 1 COUNT() + 1 queryAll + 3 queryMore (batch size 3 -> 4 pages)
    assert snap.meta["mode"] == "rest"
    assert snap.meta["api_calls"] == 6
    assert org.calls == {"describe": 1, "queryAll": 2, "queryMore": 3}
    assert snap.meta["deleted_rows"] == 2
    assert "Contact_Type__c = 'Volunteer'" in snap.meta["query"]


def test_bulk_read_follows_several_locator_pages(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    rest = make_source(bulk_threshold=1000).read(volunteer_entity())
    org.reset_counters()
    snap = make_source(bulk_threshold=5, incremental=False).read(volunteer_entity())
    assert snap.meta["mode"] == "bulk"
    # page size 4 -> 3 result pages; describe + COUNT() + create + 2 polls + 3 pages + delete
    assert org.calls == {
        "describe": 1,
        "queryAll": 1,
        "jobCreate": 1,
        "jobStatus": 2,
        "jobResults": 3,
        "jobDelete": 1,
    }
    assert snap.meta["api_calls"] == 9
    assert all(job.deleted for job in org.state.jobs.values())
    assert snap.table.sort_by("Id").equals(rest.table.sort_by("Id"))


def test_count_decides_the_mode(org: FakeSalesforce, make_source: SourceFactory) -> None:
    assert (
        make_source(bulk_threshold=10, incremental=False).read(volunteer_entity()).meta["mode"]
        == "bulk"
    )
    assert (
        make_source(bulk_threshold=11, incremental=False).read(volunteer_entity()).meta["mode"]
        == "rest"
    )


def test_incremental_read_fetches_only_changes_and_deletions(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    first = source.read(volunteer_entity())
    assert first.meta["read"] == "full"
    assert first.meta["watermark"] == "2026-01-01T00:09:00.000+00:00"

    table = contacts(10, deleted=2, staff=3)
    stamps = table.column("SystemModstamp").to_pylist()
    deleted = table.column("IsDeleted").to_pylist()
    names = table.column("FirstName").to_pylist()
    names[1], stamps[1] = "Renamed", T0 + timedelta(hours=1)
    deleted[2], stamps[2] = True, T0 + timedelta(hours=2)
    table = table.set_column(1, "FirstName", pa.array(names))
    table = table.set_column(7, "SystemModstamp", pa.array(stamps, pa.timestamp("ms", "UTC")))
    table = table.set_column(8, "IsDeleted", pa.array(deleted))
    new = contacts(1, start=50).set_column(
        7, "SystemModstamp", pa.array([T0 + timedelta(hours=3)], pa.timestamp("ms", "UTC"))
    )
    org.put("Contact", pa.concat_tables([table, new]))
    org.reset_counters()

    second = source.read(volunteer_entity())
    assert second.meta["read"] == "incremental"
    # the watermark minus the 10-minute look-back, in whole seconds, inclusive
    assert "SystemModstamp >= 2025-12-31T23:59:00Z" in second.meta["query"]
    # the look-back window holds every earlier volunteer (renamed and deleted ones too) + the new
    assert second.meta["changed_rows"] == 11
    # COUNT() of changes, queryAll + 3 queryMore (11 rows, 3 a page), COUNT() of all;
    # describe() was cached by the first read of this source
    assert second.meta["api_calls"] == 6
    rows = {r["Id"]: r for r in second.table.to_pylist()}
    assert len(rows) == 11  # de-duplicated by Id
    assert rows[sfid("003", 1)]["FirstName"] == "Renamed"
    assert rows[sfid("003", 2)]["IsDeleted"] is True
    assert sfid("003", 50) in rows
    assert second.meta["watermark"] == "2026-01-01T03:00:00.000+00:00"

    third = source.read(volunteer_entity())
    assert third.meta["changed_rows"] == 1  # the look-back window before 03:00: the new record
    assert third.table.num_rows == 11


def test_records_leaving_the_filter_force_a_full_read(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    assert source.read(volunteer_entity()).table.num_rows == 10  # type: ignore[union-attr]
    table = contacts(10, deleted=2, staff=3)
    kinds = table.column("Contact_Type__c").to_pylist()
    stamps = table.column("SystemModstamp").to_pylist()
    kinds[0], stamps[0] = "Staff", T0 + timedelta(hours=1)  # no longer a volunteer
    table = table.set_column(6, "Contact_Type__c", pa.array(kinds))
    table = table.set_column(7, "SystemModstamp", pa.array(stamps, pa.timestamp("ms", "UTC")))
    org.put("Contact", table)
    snap = source.read(volunteer_entity())
    assert snap.meta["read"] == "full (the local copy had 10 records, Salesforce 9)"
    assert snap.table is not None and snap.table.num_rows == 9
    assert sfid("003", 0) not in snap.table.column("Id").to_pylist()


def test_changed_mapping_forces_a_full_read(make_source: SourceFactory) -> None:
    source = make_source()
    source.read(volunteer_entity())
    snap = source.read(volunteer_entity(where="Contact_Type__c IN ('Volunteer', 'Staff')"))
    assert snap.meta["read"] == "full"
    assert snap.table.num_rows == 13
    assert "Contact_Type__c IN ('Volunteer', 'Staff')" in snap.meta["query"]


def test_deleted_records_only_through_query_all(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    sf = make_source().client.sf
    live = sf.query("SELECT COUNT() FROM Contact WHERE Contact_Type__c = 'Volunteer'")
    everything = sf.query(
        "SELECT COUNT() FROM Contact WHERE Contact_Type__c = 'Volunteer'", include_deleted=True
    )
    assert (live["totalSize"], everything["totalSize"]) == (8, 10)
    snap = make_source(incremental=False).read(volunteer_entity())
    deleted = snap.table.filter(pc.field("IsDeleted"))
    assert deleted.column("Id").to_pylist() == [sfid("003", 8), sfid("003", 9)]


def test_bulk_call_count_formula() -> None:
    """calls = describe + COUNT() + create + polls + ceil(records / maxRecords) pages + delete."""
    from vmsdq.demo.salesforce.calls import measure

    result = measure(2_500, page_size=1_000, polls=1)
    assert result["rows_read"] == 2_500 and result["mode"] == "bulk"
    assert result["by_kind"] == {
        "describe": 1,
        "queryAll": 1,
        "jobCreate": 1,
        "jobStatus": 2,
        "jobResults": 3,
        "jobDelete": 1,
    }
    assert result["api_calls_client"] == result["api_calls_server"] == 9


def test_state_is_kept_per_entity_and_a_damaged_file_means_a_full_read(
    make_source: SourceFactory, tmp_path: Path
) -> None:
    source = make_source()
    source.read(volunteer_entity())
    state = tmp_path / "art" / "state" / "volunteer.json"
    entry = json.loads(state.read_text())
    assert entry["watermark"] == "2026-01-01T00:09:00.000+00:00" and entry["rows"] == 10
    assert (state.parent / "volunteer.parquet").exists()
    state.write_text("{not json")
    assert source.read(volunteer_entity()).meta["read"] == "full"


def test_values_that_do_not_cast_are_kept_as_text_and_reported(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    table = contacts(3)
    org.put("Contact", table.set_column(4, "Hours__c", pa.array(["1", "two", None])))
    snap = make_source().read(volunteer_entity())
    assert snap.meta["type_warnings"] == {"Hours__c": "values are not valid integer; kept as text"}
    assert snap.table is not None
    assert snap.table.column("Hours__c").to_pylist() == ["1", "two", None]
