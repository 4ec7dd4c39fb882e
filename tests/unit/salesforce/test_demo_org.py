"""The demo's Salesforce copy served by the fake org gives the same reconciliation as files."""

from __future__ import annotations

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
