"""Reconciliation checks run by the DuckDB backend on small hand-built tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.core.results import RuleResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Outcome
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.reconcile import compile_reconciliation, mirror_entity, tolerance
from vmsdq.spec.models import EntitySpec


def volunteer(**mirror: Any) -> EntitySpec:
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "volunteer_id",
            "fields": {
                "volunteer_id": {},
                "salesforce_id": {},
                "email": {},
                "phone": {},
                "hours": {"type": "number"},
                "joined": {"type": "date"},
                "seen_at": {"type": "timestamp"},
                "status": {},
            },
            "mirror": {
                "object": "Contact",
                "match_on": "salesforce_id",
                "fields": {
                    "email": {"field": "Email", "normalize": ["trim", "lower"]},
                    "phone": {"field": "Phone", "normalize": ["e164"]},
                    "hours": "Hours__c",
                    "joined": {"field": "Joined__c", "normalize": ["date"]},
                    "seen_at": {"field": "Seen__c", "normalize": ["utc"]},
                    "status": {"field": "Status__c", "values": {"Active Volunteer": "active"}},
                },
                **mirror,
            },
        }
    )


VMS_ROWS = [
    # key, sf id, email, phone, hours, joined, seen_at, status
    ("V1", "S1", "a@x.org", "(555) 201-0001", 1.5, "2024-01-02", "2024-05-01 10:00:00", "active"),
    ("V2", "S2", "b@x.org", "555-201-0002", 2.0, "2024-01-03", "2024-05-01 10:00:00", "active"),
    ("V3", "S3", "c@x.org", None, None, None, None, "paused"),
    ("V4", "S4", "d@x.org", "5552010004", 4.0, "2024-01-05", "2024-05-01 10:00:00", "active"),
    ("V5", None, "e@x.org", None, None, None, None, "active"),  # never synced: not evaluated
]
SF_ROWS = [
    # Id, Email, Phone, Hours__c, Joined__c, Seen__c, Status__c
    (
        "S1",
        " A@X.org ",
        "+15552010001",
        "1.50",
        "2024-01-02T00:00:00.000+0000",
        "2024-05-01T05:00:00-05:00",
        "Active Volunteer",
    ),
    (
        "S2",
        "b@x.org",
        "+15552010002",
        "2.5",
        "2024-01-03",
        "2024-05-01T10:00:00.000+0000",
        "active",
    ),
    ("S3", "changed@x.org", None, None, None, None, "paused"),
    ("S9", "z@x.org", None, None, None, None, "active"),
]
VMS_COLUMNS = [
    "volunteer_id",
    "salesforce_id",
    "email",
    "phone",
    "hours",
    "joined",
    "seen_at",
    "status",
]
SF_COLUMNS = ["Id", "Email", "Phone", "Hours__c", "Joined__c", "Seen__c", "Status__c"]


def snapshot(path: Path, columns: list[str], rows: list[tuple[Any, ...]]) -> Snapshot:
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    pq.write_table(table, path)
    return Snapshot(entity="volunteer", location=str(path), parquet=[str(path)])


def run(
    tmp_path: Path, entity: EntitySpec, sf_rows: list[tuple[Any, ...]] = SF_ROWS
) -> tuple[dict[str, RuleResult], dict[str, set[str]], dict[tuple[str, str], dict[str, str]]]:
    ours = snapshot(tmp_path / "vms.parquet", VMS_COLUMNS, VMS_ROWS)
    theirs = snapshot(tmp_path / "sf.parquet", SF_COLUMNS, sf_rows)
    snapshots = {"volunteer": ours, "volunteer__reconcile": ours, "volunteer__mirror": theirs}
    results = DuckDBBackend(threads=1).validate(
        compile_reconciliation(entity),
        snapshots,
        failures_dir=tmp_path / "f",
        now=datetime(2024, 6, 1, tzinfo=UTC),
    )
    assert all(r.status == "ok" for r in results), [r.message for r in results]
    rules = {rule.rule: rule for r in results for rule in r.rules}
    keys: dict[str, set[str]] = {}
    values: dict[tuple[str, str], dict[str, str]] = {}
    for r in results:
        for row in pq.read_table(r.failures_path).to_pylist():
            keys.setdefault(row["rule"], set()).add(row["key"])
            values[(row["rule"], row["key"])] = json.loads(row["values"])
    return rules, keys, values


def test_missing_on_each_side_and_field_mismatches(tmp_path: Path) -> None:
    rules, keys, values = run(tmp_path, volunteer())
    assert keys == {
        "volunteer.reconcile.missing_in_salesforce": {"V4"},
        "volunteer.reconcile.missing_in_vms": {"S9"},
        "volunteer.reconcile.hours": {"V2"},
        "volunteer.reconcile.email": {"V3"},
    }
    missing = rules["volunteer.reconcile.missing_in_salesforce"]
    assert (missing.evaluated, missing.failed) == (4, 1)  # V5 has no Salesforce id
    assert (rules["volunteer.reconcile.email"].evaluated,) == (3,)
    assert values[("volunteer.reconcile.email", "V3")] == {
        "salesforce_key": "S3",
        "vms_value": "c@x.org",
        "salesforce_value": "changed@x.org",
    }
    for field in ("phone", "joined", "seen_at", "status"):
        assert rules[f"volunteer.reconcile.{field}"].outcome is Outcome.passed, field


def test_count_within_and_beyond_tolerance(tmp_path: Path) -> None:
    rules, _, _ = run(tmp_path, volunteer())
    count = rules["volunteer.reconcile.count"]
    assert count.observed == pytest.approx(0.25)  # 5 ours vs 4 theirs
    assert count.failed == 1  # people: 5% tolerance
    rules, _, _ = run(tmp_path, volunteer(count_tolerance=0.3))
    assert rules["volunteer.reconcile.count"].failed == 0


def test_where_applies_to_both_sides_when_its_columns_are_mapped(tmp_path: Path) -> None:
    entity = volunteer(where="Status__c = 'Active Volunteer'")
    rules, keys, _ = run(tmp_path, entity, SF_ROWS[:1] + SF_ROWS[3:])
    # ours: status = 'active' (mapped from the picklist label) -> V1, V2, V4, V5
    assert keys["volunteer.reconcile.missing_in_salesforce"] == {"V2", "V4"}
    assert "volunteer.reconcile.missing_in_vms" not in keys  # S9 'active' is not the label
    assert rules["volunteer.reconcile.missing_in_vms"].evaluated == 1


def test_tolerance_defaults() -> None:
    assert tolerance(volunteer()) == 0.05
    org = volunteer(object="Account").model_copy(update={"entity": "organization"})
    assert tolerance(org) == 0.10


def test_mirror_entity_uses_their_field_names() -> None:
    spec = mirror_entity(volunteer())
    assert spec.key == "Id"
    assert list(spec.fields) == SF_COLUMNS
