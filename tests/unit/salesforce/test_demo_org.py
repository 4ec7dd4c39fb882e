"""The demo's Salesforce copy served by the fake org gives the same reconciliation as files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmsdq.demo import generate_demo
from vmsdq.demo.salesforce.org import object_tables, serve_mirror
from vmsdq.services.context import scratch_context
from vmsdq.services.runs import run_now
from vmsdq.spec.loader import load_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    target = tmp_path_factory.mktemp("sfdemo")
    generate_demo(target, volunteers=400, seed=5, write_truth=True)
    return load_project(target)


def _reconcile_counts(run) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {r.rule: r.failed for e in run.entities for r in e.rules if ".reconcile." in r.rule}


def test_objects_stack_the_files_of_each_salesforce_object(project) -> None:  # type: ignore[no-untyped-def]
    tables = object_tables(project, "salesforce")
    assert {"Contact", "Account", "Session__c"} <= set(tables)
    types = set(tables["Contact"].column("Contact_Type__c").to_pylist())
    assert {"Volunteer", "Student", "Teacher"} <= types


def test_reading_over_http_reconciles_exactly_like_the_files(project) -> None:  # type: ignore[no-untyped-def]
    from_files = run_now(scratch_context(project))
    with serve_mirror(project) as (served, org):
        over_http = run_now(scratch_context(served))
        calls = org.api_calls
    assert all(e.status == "ok" for e in over_http.entities), [
        (e.entity, e.message) for e in over_http.entities
    ]
    counts = _reconcile_counts(over_http)
    assert counts == _reconcile_counts(from_files)
    assert sum(counts.values()) > 0  # the demo injects drift
    assert calls > 0


def test_the_demo_org_serves_only_real_ids_and_some_deleted_records(project) -> None:  # type: ignore[no-untyped-def]
    from vmsdq.reconcile.salesforce_ids import is_salesforce_id

    tables = object_tables(project, "salesforce")
    for name, table in tables.items():
        ids = table.column("Id").to_pylist()
        assert all(is_salesforce_id(i) for i in ids), name
    deleted = tables["Contact"].column("IsDeleted").to_pylist()
    assert 0 < sum(deleted) < len(deleted) // 20


def test_records_in_the_recycle_bin_are_reported_as_deleted(project) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    with serve_mirror(project) as (served, _):
        run = run_now(scratch_context(served), entities=["volunteer"])
    folder = Path(project.root) / project.spec.store.artifacts / "runs" / run.run_id / "failures"
    rows = [r for f in sorted(folder.rglob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    states = {
        json.loads(r["values"]).get("salesforce_record")
        for r in rows
        if r["rule"] == "volunteer.reconcile.missing_in_salesforce"
    }
    assert states == {"absent", "deleted (in the recycle bin)"}


def test_the_fake_refuses_ids_no_org_returns() -> None:
    import pyarrow as pa

    from vmsdq.demo.salesforce.fake_server import FakeSalesforce

    with pytest.raises(ValueError, match="2 Ids a real org never returns"):
        FakeSalesforce({"Contact": pa.table({"Id": ["003000000000001", "003000000000001AAAB"]})})
